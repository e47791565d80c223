"""plexus.control against the real plexus-node (and plexusctl on the same node for comparison):
status, modules, stats and reset, subscribers, publish accepted and refused, tail until it
stops, and the README's example. test_control_errors.py: no node, and a test-owned control
socket that never answers or answers wrongly."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from node import REPO, module_block, read_records, wait_for

PYTHON_DIR = os.environ.get("PLEXUS_PYTHON_DIR", str(REPO / "build" / "python"))
sys.path.insert(0, PYTHON_DIR)

from plexus import ErrorCode, EventType, events_pb2  # noqa: E402
from plexus.control import (  # noqa: E402
    ControlClient,
    ControlRefused,
    to_dict,
)
from plexus.v1 import control_pb2  # noqa: E402

BLOCK = {"hash": "00ab", "height": 7}


def start_recorder(start_node, tmp_path: Path, extra: str = ""):
    out = tmp_path / "rec.jsonl"
    node = start_node(module_block("rec", out, {"subscribe": "NEW_BLOCK"}, extra))
    wait_for(lambda: node.state("rec") == "MODULE_STATE_READY", what="rec ready")
    return node, out


def blocks(out: Path):
    return [r for r in read_records(out) if r["kind"] == "event" and r["type"] == "NEW_BLOCK"]


def control_example() -> str:
    text = (REPO / "module-sdk/python/README.md").read_text()
    section = text[text.index("## Control client"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_control_example_runs(start_node, tmp_path):
    node, _ = start_recorder(start_node, tmp_path)
    script = tmp_path / "watch.py"
    script.write_text(control_example())
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR)
    run = subprocess.Popen([sys.executable, str(script), str(node.runtime_dir)], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: "tail session tail:1 started" in node.log() or run.poll() is not None,
                 what="the example's tail")
        for height in (1, 2, 3):
            payload = f'{{"hash":"0{height}","height":{height}}}'
            node.ctl("publish", "NewBlock", "--payload", payload)
        out, _ = run.communicate(timeout=30)
    finally:
        run.kill()
    assert run.returncode == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("plexus-node ") and "1/1 modules ready" in lines[0], out
    assert lines[1].startswith("  rec: routed 0 acked 0 dropped 0"), out
    assert lines[2:] == ["block 1 01 (seq 1)", "block 2 02 (seq 2)", "block 3 03 (seq 3)"], out
    missing = subprocess.run([sys.executable, str(script), str(tmp_path / "none")], env=env,
                             capture_output=True, text=True, timeout=30)
    assert missing.returncode == 1
    assert f"control: plexus-node is not running (no control socket at {tmp_path / 'none'}" \
        in missing.stderr


def test_status_modules_and_subscribers_as_plexusctl(start_node, tmp_path):
    node, _ = start_recorder(start_node, tmp_path)
    with ControlClient(node.runtime_dir) as client:
        status = client.status()
        assert status.pid == node.process.pid
        assert status.runtime_dir == str(node.runtime_dir)
        assert status.protocol_version == "1.6"
        assert (status.modules_total, status.modules_ready, status.modules_failed) == (1, 1, 0)
        ours, theirs = to_dict(status), node.ctl_json("status")
        assert ours.keys() == theirs.keys()
        assert {k: v for k, v in ours.items() if k != "uptime_ms"} == \
            {k: v for k, v in theirs.items() if k != "uptime_ms"}

        modules = client.modules()
        assert [(m.module_id, m.state) for m in modules.modules] == \
            [("rec", control_pb2.MODULE_STATE_READY)]
        theirs = node.ctl_json("modules")["modules"][0]
        ours = to_dict(modules)["modules"][0]
        assert {k: v for k, v in ours.items() if k != "uptime_ms"} == \
            {k: v for k, v in theirs.items() if k != "uptime_ms"}

        for event_type in (EventType.NEW_BLOCK, "NewBlock", "NEW_BLOCK", 1):
            subscribers = client.subscribers(event_type)
            assert list(subscribers.module_ids) == ["rec"]
            assert to_dict(subscribers) == node.ctl_json("subscribers", "NewBlock")
        assert list(client.subscribers(EventType.NEW_TRANSACTION).module_ids) == []
        with pytest.raises(ValueError, match="unknown event type 'Nope'"):
            client.subscribers("Nope")


def test_stats_and_reset_agree_with_plexusctl(start_node, tmp_path):
    node, out = start_recorder(start_node, tmp_path)
    with ControlClient(node.runtime_dir) as client:
        assert client.publish(EventType.NEW_BLOCK, BLOCK, count=3).accepted == 3
        wait_for(lambda: client.stats("rec").modules[0].acked == 3, what="3 acked")
        stats = client.stats()
        assert [row.module_id for row in stats.modules] == ["rec"]
        assert (stats.modules[0].routed, stats.modules[0].successful) == (3, 3)
        assert to_dict(stats) == node.ctl_json("stats")  # a quiet node: the same numbers
        assert to_dict(client.stats("rec")) == node.ctl_json("stats", "rec")

        after = client.stats(reset=True)  # the values after the reset
        assert (after.modules[0].routed, after.modules[0].acked) == (0, 0)
        assert node.ctl_json("stats")["modules"][0]["routed"] == "0"
        assert to_dict(client.stats()) == node.ctl_json("stats")
        assert "statistics reset" in node.log()
        assert client.stats("rec", reset=True).modules[0].routed == 0

        with pytest.raises(ControlRefused) as refused:
            client.stats("nosuch")
        assert refused.value.code == ErrorCode.NOT_FOUND
        assert "no statistics for module 'nosuch'" in refused.value.message


def test_publish_accepted_answers_per_subscriber(start_node, tmp_path):
    node, out = start_recorder(start_node, tmp_path)
    with ControlClient(node.runtime_dir) as client:
        before = client.status().events_published  # the node's own (ModuleLoaded, ...)
        answer = client.publish("NewBlock", BLOCK, count=2)
        assert (answer.requested, answer.published, answer.routed, answer.accepted) == (2, 2, 2, 2)
        assert (answer.dropped, answer.failed, answer.timed_out, answer.modules) == (0, 0, 0, 1)
        assert list(answer.missed) == []
        # A payload message and a whole Event are published as they are.
        assert client.publish(payload=events_pb2.NewBlock(hash="01", height=8)).accepted == 1
        event = events_pb2.Event(type=EventType.NEW_BLOCK, new_block=events_pb2.NewBlock(height=9))
        assert client.publish(payload=event).published == 1
        got = wait_for(lambda: len(blocks(out)) == 4 and blocks(out), what="4 blocks")
        assert [b["height"] for b in got] == [7, 7, 8, 9]
        assert all(b["source"] == "operator" for b in got)
        # Above 10000 events the node wants a client that follows the progress: this one does.
        big = client.publish(EventType.NEW_TRANSACTION, {"txid": "t"}, count=12000, timeout=60)
        assert (big.published, big.routed) == (12000, 0)
        assert client.status().events_published == before + 4 + 12000


def test_publish_refused_by_the_node_and_bad_payloads(start_node, tmp_path):
    node, out = start_recorder(start_node, tmp_path)
    with ControlClient(node.runtime_dir) as client:
        before = client.status().events_published
        with pytest.raises(ControlRefused) as refused:
            client.publish(EventType.MODULE_LOADED, {"module_id": "x"})
        assert refused.value.code == ErrorCode.PERMISSION_DENIED
        assert "host-only" in refused.value.message
        # A payload that does not match the type: the node's check, not the client's.
        mismatched = events_pb2.Event(type=EventType.NEW_BLOCK,
                                      new_transaction=events_pb2.NewTransaction(txid="t"))
        with pytest.raises(ControlRefused) as refused:
            client.publish(payload=mismatched)
        assert refused.value.code == ErrorCode.INVALID_ARGUMENT
        # Fields the payload does not have: refused before anything is sent.
        with pytest.raises(ValueError, match="invalid payload for NewBlock"):
            client.publish(EventType.NEW_BLOCK, {"heigth": 1})
        with pytest.raises(ValueError, match="needs an event type"):
            client.publish()
        assert client.status().events_published == before
        assert "operator publish refused" in node.log()
    assert blocks(out) == []


def test_tail_receives_published_events_then_stops(start_node, tmp_path):
    node, _ = start_recorder(start_node, tmp_path)
    with ControlClient(node.runtime_dir) as client, ControlClient(node.runtime_dir) as other:
        with client.tail(types=[EventType.NEW_BLOCK], count=3) as stream:
            tap = "tail:1"
            wait_for(lambda: f"tail session {tap} started" in node.log(), what="the session")
            assert other.stats(tap).modules[0].module_id == tap  # a live session has a slot
            # Another request on the same client keeps the tail's events for it.
            sent = client.publish(EventType.NEW_BLOCK, BLOCK, count=2)
            assert (sent.accepted, sent.modules) == (4, 2)  # rec and the tail's tap
            other.publish(payload=events_pb2.NewBlock(hash="ff", height=8))
            got = list(stream)
        assert [e.seq for e in got] == [1, 2, 3]
        assert [e.event.new_block.height for e in got] == [7, 7, 8]
        assert all(e.dropped_before == 0 and not e.lifecycle and e.offset > 0 for e in got)
        line = got[0].to_dict()
        assert line["event"]["type"] == "EVENT_TYPE_NEW_BLOCK"
        assert line["event"]["new_block"]["height"] == "7"  # uint64: a string, as plexusctl
        assert stream.closed and stream.stopped_confirmed
        # The node's session is gone: no subscriber, no statistics.
        assert f"tail session {tap} ended" in node.log()
        assert [row.module_id for row in other.stats().modules] == ["rec"]
        with pytest.raises(ControlRefused):
            other.stats(tap)
        assert client.status().modules_total == 1  # the client goes on after its tail


def test_tail_returns_credit_so_more_than_its_channel_passes_without_drops(start_node, tmp_path):
    node, _ = start_recorder(start_node, tmp_path)
    capacity = 1000  # TailSessions::kCapacity
    with ControlClient(node.runtime_dir) as client, ControlClient(node.runtime_dir) as other:
        with client.tail(types=["NewTransaction"]) as stream:  # rec takes no NewTransaction
            wait_for(lambda: "tail session tail:1 started" in node.log(), what="the session")
            got = []
            for round_ in range(3):
                sent = other.publish("NewTransaction", {"txid": "t"}, count=capacity)
                assert (sent.routed, sent.dropped) == (capacity, 0), round_
                got += [next(stream) for _ in range(capacity)]
                # Every event taken: the credit is back, the channel empty again.
                wait_for(lambda: other.stats("tail:1").modules[0].acked == len(got),
                         what=f"round {round_} acked")
        assert [e.seq for e in got] == list(range(1, 3 * capacity + 1))
        assert all(e.dropped_before == 0 for e in got)


def test_tail_ends_after_idle_timeout_and_at_close(start_node, tmp_path):
    node, _ = start_recorder(start_node, tmp_path)
    with ControlClient(node.runtime_dir, timeout=0.5) as client:
        started = time.monotonic()
        assert list(client.tail(types=["NewBlock"], idle_timeout=1.5)) == []
        assert 1.5 <= time.monotonic() - started < 10
        wait_for(lambda: "tail session tail:1 ended" in node.log(), what="tail:1 ended")
        stream = client.tail(types=["NewBlock"])
        wait_for(lambda: "tail session tail:2 started" in node.log(), what="tail:2")
    assert stream.closed and list(stream) == []  # the client's close() ended its tail
    wait_for(lambda: "tail session tail:2 ended" in node.log(), what="tail:2 ended")


def test_a_refused_tail_raises_from_the_first_next(start_node, tmp_path):
    node, _ = start_recorder(start_node, tmp_path)
    with ControlClient(node.runtime_dir) as client:
        stream = client.tail(types=["NewBlock"], filter="height >>> 3")
        with pytest.raises(ControlRefused) as refused:
            next(stream)
        assert refused.value.code == ErrorCode.INVALID_ARGUMENT


def test_tail_ends_with_the_node_shutdown(start_node, tmp_path):
    node, _ = start_recorder(start_node, tmp_path)
    with ControlClient(node.runtime_dir) as client:
        stream = client.tail(types=[EventType.NODE_SHUTDOWN_COMPLETED])
        wait_for(lambda: "tail session tail:1 started" in node.log(), what="the tail session")
        node.process.send_signal(15)
        got = list(stream)
        # NodeShutdown comes too: the lifecycle lane's types reach every session.
        assert got[-1].event.type == EventType.NODE_SHUTDOWN_COMPLETED
        assert got[-1].lifecycle and stream.closed
        assert node.process.wait(30) == 0


def test_publish_a_block_subscriber_did_not_take_is_answered_with_missed(start_node, tmp_path):
    out = tmp_path / "rec.jsonl"
    node = start_node(module_block("rec", out, {"subscribe": "NEW_BLOCK", "sleep_in_block": "3"},
                                   "  channel_capacity: 1\n  policy: DELIVERY_POLICY_BLOCK\n"),
                      timings="  block_timeout_ms: 100\n")
    wait_for(lambda: node.state("rec") == "MODULE_STATE_READY", what="rec ready")
    with ControlClient(node.runtime_dir) as client:
        answer = client.publish("NewBlock", BLOCK, count=5)  # returned, not raised
        assert (answer.requested, answer.published) == (5, 2)  # stops at the event not taken
        assert (answer.accepted, answer.timed_out) == (1, 1)
        assert [(m.module_id, m.reason) for m in answer.missed] == [("rec", 4)]  # TIMED_OUT
        assert to_dict(answer)["missed"] == \
            [{"module_id": "rec", "reason": "MISS_REASON_TIMED_OUT"}]


def test_cursors_and_journal_read(start_node, tmp_path):
    node, out = start_recorder(start_node, tmp_path)
    with ControlClient(node.runtime_dir) as client:
        client.publish("NewBlock", BLOCK, count=3)
        assert list(client.cursors().cursors) == []  # no durable module
        with pytest.raises(ControlRefused) as refused:
            client.cursors(delete_module="nosuch")
        assert refused.value.code == ErrorCode.NOT_FOUND
        page = wait_for(lambda: (p := client.journal_read(from_offset=1, types=["NewBlock"]))
                        and len(p.entries) == 3 and p, what="3 journaled blocks")
        events = [events_pb2.Event.FromString(e.event) for e in page.entries]
        assert [e.new_block.height for e in events] == [7, 7, 7]
        assert [e.type for e in page.entries] == [EventType.NEW_BLOCK] * 3
        assert not page.more and page.next_offset > page.entries[-1].offset
        first = client.journal_read(from_offset=1, types=["NewBlock"], count=1)
        assert len(first.entries) == 1 and first.more
        with pytest.raises(ControlRefused) as refused:
            client.journal_read(from_offset=1, count=10001)
        assert refused.value.code == ErrorCode.INVALID_ARGUMENT


def test_tail_events_print_as_plexusctl_tail_lines(start_node, tmp_path):
    node, _ = start_recorder(start_node, tmp_path)
    ctl = subprocess.Popen([str(node.bin_dir / "plexusctl"), "--runtime-dir", str(node.runtime_dir),
                            "tail", "--type", "NewBlock", "--count", "1"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with ControlClient(node.runtime_dir) as client:
            with client.tail(types=["NewBlock"], count=1) as stream:
                wait_for(lambda: "tail session tail:2 started" in node.log(), what="both tails")
                client.publish("NewBlock", {"hash": "00ab", "height": 7, "time_unix_s": 3})
                ours = [event.to_dict() for event in stream]
            out, err = ctl.communicate(timeout=30)
    finally:
        ctl.kill()
    assert ctl.returncode == 0, err
    assert ours == [json.loads(line) for line in out.splitlines()]
    assert ours[0]["event"]["new_block"]["time_unix_s"] == "3"
