"""Replay on request (protocol 1.5) with the Python SDK against the real plexus-node, with
tests/module-sdk/python/modules/replayer.py (as tests/integration/replay_on_request_test.cpp
does with the C++ SDK): a slow drop-policy module fills every gap with replays; refusals."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from node import REPLAYER, module_block, read_records, wait_for

# The node's default journal (node.py: `journal { path }`) holds the chain types: NewBlock too.
DROP_8 = "  channel_capacity: 8\n  policy: DELIVERY_POLICY_DROP\n"


def of(out: Path, kind: str):
    return [r for r in read_records(out) if r["kind"] == kind]


def replayer(name: str, out: Path, settings=None, extra: str = DROP_8, args=()) -> str:
    return module_block(name, out, dict(settings or {}), extra, script=REPLAYER, args=args)


def lane_stats(stats, lane: str):
    rows = [row for row in stats.get("lanes", []) if row.get("lane") == lane]
    return rows[0] if rows else {}


def test_a_drop_policy_module_fills_its_gaps_with_replays(start_node, tmp_path):
    out = tmp_path / "filler.jsonl"
    node = start_node(replayer("filler", out, {"delay": "0.001"}))
    wait_for(lambda: node.state("filler") == "MODULE_STATE_READY", what="filler ready")
    ready = wait_for(lambda: of(out, "ready"), what="ready")[0]
    assert ready["minor"] == 6 and ready["capacity"] == 8 and ready["replay_capacity"] == 4
    total = 1500
    # Five bursts: each drops events for it, and the next one's first events show it the gap
    # (often while a replay runs: the ranges wait their turn).
    for burst in range(5):
        node.ctl("publish", "NewBlock", "--payload", '{"hash":"0a","height":1}',
                 "--count", str(total // 5))
    # Once it handled what it holds, one more event shows it the gap at the end, if there is one.
    wait_for(lambda: (s := node.stats("filler")) and int(s.get("queued", 0)) == 0
             and int(s.get("in_flight", 0)) == 0, timeout=60, what="the burst handled")
    dropped = int(node.stats("filler").get("channel_full", 0))
    assert dropped > 0, "the test needs a gap to fill"
    node.ctl("publish", "NewBlock", "--payload", '{"hash":"0b","height":2}')

    def distinct():
        return {r["offset"] for r in of(out, "event")}
    wait_for(lambda: len(distinct()) >= total + 1, timeout=120,
             what=f"{total + 1} distinct offsets")
    # Every replay asked was answered and ended.
    wait_for(lambda: len(of(out, "replay-end")) == len(of(out, "replay-answer")),
             timeout=60, what="a ReplayEnd per replay")

    received = of(out, "event")
    times = Counter(r["offset"] for r in received)
    assert all(count == 1 for count in times.values()), \
        {o: c for o, c in times.items() if c != 1}
    assert max(times) - min(times) + 1 == len(times) == total + 1  # consecutive: no offset missing
    replays = [r for r in received if r["is_replay"]]
    live = [r for r in received if not r["is_replay"]]
    assert [r["seq"] for r in replays] == list(range(1, len(replays) + 1))  # own, gapless
    assert all(r["lane"] == "REPLAY" and r["flags"] == 1 and r["replayed"]
               and r["dropped_before"] == 0 for r in replays)
    assert all(r["lane"] == "EVENT" and r["flags"] == 0 for r in live)
    dropped = int(node.stats("filler").get("channel_full", 0))
    assert len(replays) == dropped, "exactly what was dropped came again"
    assert of(out, "replay-error") == []
    assert len(of(out, "replay-request")) == len(of(out, "replay-answer"))
    answers, ends = of(out, "replay-answer"), of(out, "replay-end")
    assert [e["id"] for e in ends] == [a["id"] for a in answers] == list(range(1, len(ends) + 1))
    assert sum(e["events"] for e in ends) == len(replays)
    assert all(e["holes"] == 0 and e["trimmed"] == 0 for e in ends)
    # Each ReplayEnd comes after its replay's events, before the next replay's.
    order = [r for r in read_records(out) if r["kind"] in ("event", "replay-end")]
    seen = 0
    for r in order:
        if r["kind"] == "event" and r["is_replay"]:
            seen += 1
        elif r["kind"] == "replay-end":
            assert seen == sum(e["events"] for e in ends if e["id"] <= r["id"])

    stats = wait_for(lambda: (s := node.stats("filler")) and int(s.get("replayed", 0)) ==
                     len(replays) and s, what="the node's replayed count")
    replay_lane = lane_stats(stats, "LANE_REPLAY")
    assert int(replay_lane.get("routed", 0)) == len(replays)
    assert int(replay_lane.get("channel_full", 0)) == 0 and replay_lane.get("capacity") == 4
    wait_for(lambda: int(lane_stats(node.stats("filler"), "LANE_REPLAY").get("acked", 0)) ==
             len(replays), what="every replayed event acked")


def test_refused_replays_raise_with_the_code(start_node, tmp_path):
    out = tmp_path / "refusals.jsonl"
    node = start_node(replayer("refusals", out, {"mode": "refusals"},
                               "  channel_capacity: 8\n  policy: DELIVERY_POLICY_BLOCK\n"))
    wait_for(lambda: node.state("refusals") == "MODULE_STATE_READY", what="ready")
    node.ctl("publish", "NewBlock", "--payload", '{"hash":"0c","height":3}', "--count", "20")
    wait_for(lambda: len(of(out, "event")) == 20, what="20 blocks")
    # Its handler asks for a bad replay twice, then 20 events (5 times the replay lane's 4 slots,
    # which it holds while the handler runs), then another while that one runs.
    node.ctl("publish", "NewTransaction", "--payload", '{"txid":"t","size":1,"fee":1}')
    wait_for(lambda: len(of(out, "replay-end")) == 1, what="the ReplayEnd")
    requests = [r for r in read_records(out) if r["kind"].startswith("replay-")]
    kinds = [r["kind"] for r in requests]
    assert kinds == ["replay-request", "replay-error"] * 2 + [
        "replay-request", "replay-answer", "replay-request", "replay-error", "replay-end"], kinds
    assert requests[1]["code"] == "INVALID_ARGUMENT", requests[1]
    assert requests[3]["code"] == "INVALID_ARGUMENT", requests[3]
    assert requests[7]["code"] == "ALREADY_EXISTS", requests[7]
    answer, end = requests[5], requests[8]
    assert answer["types"] == ["NEW_BLOCK"] and end["id"] == answer["id"] == 1
    assert end["events"] == 20
    replays = [r for r in of(out, "event") if r["is_replay"]]
    live = [r["offset"] for r in of(out, "event") if not r["is_replay"]]
    assert [r["offset"] for r in replays] == live and answer["through"] == live[-1]
    assert [r["seq"] for r in replays] == list(range(1, 21))


def test_below_1_5_replay_raises_without_sending(start_node, tmp_path):
    out = tmp_path / "old.jsonl"
    node = start_node(replayer("old", out, args=["--protocol-minor=4"]))
    wait_for(lambda: node.state("old") == "MODULE_STATE_READY", what="ready")
    ready = wait_for(lambda: of(out, "ready"), what="ready")[0]
    assert ready["minor"] == 4 and ready["replay_capacity"] == 0
    error = wait_for(lambda: of(out, "replay-error"), what="the refusal")[0]
    assert error["code"] == "UNAVAILABLE"
    assert error["message"] == "the node speaks protocol 1.4; replay needs 1.5"
    assert int(node.stats("old").get("rejected", 0)) == 0  # nothing was sent
