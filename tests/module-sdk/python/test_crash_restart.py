"""A Python module killed mid-batch and restarted (as tests/integration/crash_test.cpp for the
C++ SDK): a block-policy module with a restart policy is SIGKILLed while it holds a batch of
events; the node counts what it held and had not acked as lost, exactly, restarts it, and the new
incarnation receives the events published later, from sequence 1."""

from __future__ import annotations

import os
import signal
import subprocess

from node import module_block, read_records, wait_for

TIMINGS = "  restart_backoff_initial_ms: 200\n"


def check_invariants(stats: dict) -> None:
    n = {key: int(stats.get(key, 0)) for key in (
        "routed", "successful", "channel_full", "failed", "acked", "queued", "in_flight", "lost")}
    assert n["routed"] == n["successful"] + n["channel_full"] + n["failed"], stats
    assert n["successful"] == n["acked"] + n["queued"] + n["in_flight"] + n["lost"], stats


def test_a_module_killed_mid_batch_is_restarted_and_its_losses_counted(start_node, tmp_path):
    out = tmp_path / "victim.jsonl"
    node = start_node(module_block(
        "victim", out, {"subscribe": "NEW_BLOCK", "sleep_in_block": "0.1"},
        "  policy: DELIVERY_POLICY_BLOCK\n  channel_capacity: 8\n"
        "  restart: RESTART_POLICY_ON_FAILURE\n"), timings=TIMINGS)
    wait_for(lambda: node.state("victim") == "MODULE_STATE_READY", what="victim ready")
    first = node.module("victim")
    publisher = subprocess.Popen(
        [str(node.bin_dir / "plexusctl"), "--runtime-dir", str(node.runtime_dir), "publish",
         "NewBlock", "--payload", '{"hash":"01","height":1}', "--count", "200"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # Mid-batch: some events acked already, a handler runs (0.1 s each) while more of the
        # batch waits unacked.
        def mid_batch() -> bool:
            stats = node.stats("victim")
            return int(stats.get("acked", 0)) >= 4 and int(stats.get("in_flight", 0)) >= 3

        wait_for(mid_batch, what="a batch held after some acks")
        os.kill(int(first["pid"]), signal.SIGKILL)
        # The publisher was waiting for room in the victim's channel: it is told, not hung.
        output, _ = publisher.communicate(timeout=60)
    finally:
        if publisher.poll() is None:
            publisher.kill()
            publisher.wait()
    assert publisher.returncode == 1 and "victim" in output, output
    wait_for(lambda: node.module("victim")["incarnation"] == "2"
             and node.state("victim") == "MODULE_STATE_READY", what="victim restarted")
    row = node.module("victim")
    assert row["restarts"] == 1 and row["pid"] != first["pid"]
    assert "module 'victim' crashed: signal 9 (Killed)" in node.log()

    # What the first incarnation held and had not acked is lost, exactly: nothing in flight or
    # queued is left, and every event it handled is acked or lost, none counted twice.
    at_crash = node.stats("victim")
    check_invariants(at_crash)
    delivered, acked = int(at_crash["successful"]), int(at_crash["acked"])
    lost = int(at_crash.get("lost", 0))
    assert int(at_crash.get("in_flight", 0)) == 0 and int(at_crash.get("queued", 0)) == 0
    assert acked >= 4 and lost >= 1 and lost == delivered - acked
    records = read_records(out)
    second_ready = [i for i, r in enumerate(records) if r["kind"] == "ready"][1]
    handled = [r for r in records[:second_ready]
               if r["kind"] == "event" and r["type"] == "NEW_BLOCK"]
    assert acked <= len(handled) <= delivered  # acked after its handler; handled once delivered
    assert records[second_ready]["incarnation"] == 2

    # The new incarnation receives what is published now, its sequence from 1, nothing dropped.
    node.ctl("publish", "NewBlock", "--payload", '{"hash":"02","height":1000}', "--count", "5")
    wait_for(lambda: int(node.stats("victim").get("acked", 0)) == acked + 5, what="5 more acked")
    later = [r for r in read_records(out)[second_ready:]
             if r["kind"] == "event" and r["type"] == "NEW_BLOCK"]
    assert [(r["seq"], r["height"], r["dropped_before"]) for r in later] == \
        [(seq, 1000, 0) for seq in range(1, 6)]
    after = node.stats("victim")
    check_invariants(after)
    assert int(after.get("lost", 0)) == lost and int(after["successful"]) == delivered + 5
    assert node.stop() == 0
