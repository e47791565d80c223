"""The Python module SDK against the real plexus-node: handshake, subscribe, events with their
sequence numbers, credit, publish, stats, refusals, stop() and node shutdown."""

from __future__ import annotations

from pathlib import Path

from node import module_block, read_records, wait_for


def events(records, type_name=None):
    return [r for r in records if r["kind"] == "event" and (type_name is None or r["type"] == type_name)]


def exit_status(out: Path):
    done = [r for r in read_records(out) if r["kind"] == "exit"]
    return done[0]["status"] if done else None


def test_handshake_subscribe_and_events_with_sequence_numbers(start_node, tmp_path):
    out = tmp_path / "rec.jsonl"
    node = start_node(module_block("rec", out, {"subscribe": "NEW_BLOCK", "colour": "blue"}))
    wait_for(lambda: node.state("rec") == "MODULE_STATE_READY", what="rec ready")
    ready = wait_for(lambda: [r for r in read_records(out) if r["kind"] == "ready"], what="ready")[0]
    assert ready["id"] == "rec" and ready["minor"] == 6 and ready["incarnation"] == 1
    assert ready["settings"]["colour"] == "blue"
    # ModuleLoaded replay: on the lifecycle lane, like any event.
    loaded = wait_for(lambda: events(read_records(out), "MODULE_LOADED"), what="ModuleLoaded")
    assert loaded[0]["lifecycle"] and loaded[0]["lane"] == "LIFECYCLE"
    assert loaded[0]["module"] == "rec" and loaded[0]["name"] == "recorder"

    node.ctl("publish", "NewBlock", "--payload", '{"hash":"00ab","height":7}', "--count", "5")
    blocks = wait_for(lambda: len(events(read_records(out), "NEW_BLOCK")) == 5 and
                      events(read_records(out), "NEW_BLOCK"), what="5 blocks")
    assert [b["seq"] for b in blocks] == [1, 2, 3, 4, 5]
    assert all(b["dropped_before"] == 0 and b["lane"] == "EVENT" and not b["lifecycle"]
               and b["source"] == "operator" and b["height"] == 7 for b in blocks)
    offsets = [b["offset"] for b in blocks]  # journaled: node-wide offsets, increasing
    assert offsets[0] > 0 and offsets == sorted(offsets) and len(set(offsets)) == 5
    stats = wait_for(lambda: (s := node.stats("rec")) and int(s.get("acked", 0)) == 5 and s,
                     what="5 acked")
    assert int(stats["routed"]) == 5


def test_credit_many_more_events_than_capacity_all_handled(start_node, tmp_path):
    out = tmp_path / "rec.jsonl"
    node = start_node(module_block("rec", out, {"subscribe": "NEW_TRANSACTION"},
                                   "  channel_capacity: 4\n  policy: DELIVERY_POLICY_BLOCK\n"))
    wait_for(lambda: node.state("rec") == "MODULE_STATE_READY", what="rec ready")
    node.ctl("--timeout", "60000", "publish", "NewTransaction", "--payload",
             '{"txid":"t","size":250,"fee":1}', "--count", "400")
    txs = wait_for(lambda: len(events(read_records(out), "NEW_TRANSACTION")) >= 400 and
                   events(read_records(out), "NEW_TRANSACTION"), timeout=60, what="400 txs")
    assert [t["seq"] for t in txs] == list(range(1, 401))
    assert all(t["dropped_before"] == 0 for t in txs)
    stats = wait_for(lambda: (s := node.stats("rec")) and int(s.get("acked", 0)) == 400 and s,
                     what="400 acked")
    assert int(stats["channel_full"]) == 0 and int(stats["routed"]) == 400
    assert int(stats["max_held"]) <= 4


def test_publish_and_stats_from_a_handler_and_before_run(start_node, tmp_path):
    relay_out, sink_out = tmp_path / "relay.jsonl", tmp_path / "sink.jsonl"
    modules = module_block(
        "relay", relay_out,
        {"subscribe": "NEW_BLOCK", "publish_on_block": "NEW_TRANSACTION", "stats_on_block": "1",
         "before_run": "1"},
        "  capabilities { publish: [EVENT_TYPE_NEW_TRANSACTION, EVENT_TYPE_NEW_BLOCK] }\n")
    modules += module_block("sink", sink_out, {"subscribe": "NEW_TRANSACTION"},
                            "  policy: DELIVERY_POLICY_BLOCK\n")
    node = start_node(modules)
    for name in ("relay", "sink"):
        wait_for(lambda: node.state(name) == "MODULE_STATE_READY", what=f"{name} ready")
    node.ctl("publish", "NewBlock", "--payload", '{"hash":"01","height":3}', "--count", "3")
    txs = wait_for(lambda: len(events(read_records(sink_out), "NEW_TRANSACTION")) == 3 and
                   events(read_records(sink_out), "NEW_TRANSACTION"), what="3 txs at sink")
    assert [t["txid"] for t in txs] == ["tx3"] * 3 and [t["source"] for t in txs] == ["relay"] * 3
    # The relay records each answer after its publish returned, and stats after that.
    def relay_done():
        records = read_records(relay_out)
        return len([r for r in records if r["kind"] == "stats"]) == 4 and records

    relay = wait_for(relay_done, what="the relay's records")
    published = [r for r in relay if r["kind"] == "published" and r["type"] == "NEW_TRANSACTION"]
    assert len(published) == 3
    assert all(p["subscribers"] == 1 and p["accepted"] == 1 for p in published)
    # Before run(): the I/O thread served publish() and stats().
    first = [r for r in relay if r["kind"] in ("published", "stats")][:2]
    assert first[0]["type"] == "NEW_BLOCK" and first[1]["kind"] == "stats"
    handler_stats = [r for r in relay if r["kind"] == "stats"][1:]
    assert len(handler_stats) == 3 and all(s["routed"] == 3 for s in handler_stats)
    # Asked while handling an event: that event is not acked yet.
    assert all(s["acked"] < 3 and s["in_flight"] >= 1 for s in handler_stats)


def test_a_relayed_event_published_again_is_answered_as_a_duplicate(start_node, tmp_path):
    relay_out, sink_out = tmp_path / "relay.jsonl", tmp_path / "sink.jsonl"
    modules = module_block(
        "relay", relay_out,
        {"subscribe": "NEW_BLOCK", "publish_on_block": "NEW_TRANSACTION", "relay_from": "far:2"},
        "  capabilities { publish: [EVENT_TYPE_NEW_TRANSACTION] relay: true }\n")
    modules += module_block("sink", sink_out, {"subscribe": "NEW_TRANSACTION"})
    node = start_node(modules)
    for name in ("relay", "sink"):
        wait_for(lambda: node.state(name) == "MODULE_STATE_READY", what=f"{name} ready")
    node.ctl("publish", "NewBlock", "--payload", '{"hash":"01","height":3}', "--count", "4")
    published = wait_for(lambda: len(p := [r for r in read_records(relay_out)
                                           if r["kind"] == "published"]) == 4 and p,
                         what="4 relayed publishes")
    # Origin offsets 1, 2, then 1, 2 again: the node took each once.
    assert [(p["origin_offset"], p["duplicate"]) for p in published] == [
        (1, False), (2, False), (1, True), (2, True)]
    assert [p["subscribers"] for p in published] == [1, 1, 0, 0]
    txs = wait_for(lambda: len(t := events(read_records(sink_out), "NEW_TRANSACTION")) >= 2 and t,
                   what="2 txs at the sink")
    assert all(t["source"] == "relay" for t in txs)
    node.ctl("publish", "NewBlock", "--payload", '{"hash":"02","height":4}')  # offset 1 once more
    fifth = wait_for(lambda: len(p := [r for r in read_records(relay_out)
                                       if r["kind"] == "published"]) == 5 and p[4],
                     what="the fifth publish")
    assert fifth["duplicate"] and fifth["subscribers"] == 0
    assert len(events(read_records(sink_out), "NEW_TRANSACTION")) == 2  # duplicates never routed


def test_publish_refused_raises_publish_error_with_code(start_node, tmp_path):
    out = tmp_path / "rec.jsonl"
    node = start_node(module_block("rec", out, {"subscribe": "NEW_BLOCK",
                                                "publish_on_block": "CHAIN_REORG"}))
    wait_for(lambda: node.state("rec") == "MODULE_STATE_READY", what="rec ready")
    node.ctl("publish", "NewBlock", "--payload", '{"hash":"01","height":3}')
    error = wait_for(lambda: [r for r in read_records(out) if r["kind"] == "publish_error"],
                     what="publish error")[0]
    assert error["code"] == "PERMISSION_DENIED" and "ChainReorg" in error["message"]


def test_a_critical_event_overtakes_the_event_lane_backlog(start_node, tmp_path):
    out = tmp_path / "rec.jsonl"
    gate = tmp_path / "gate"  # the first block's handler waits for it: the backlog stays
    node = start_node(module_block("rec", out, {"subscribe": "NEW_BLOCK,CHAIN_REORG",
                                                "sleep_in_block": "0.05", "gate_file": str(gate)},
                                   "  policy: DELIVERY_POLICY_BLOCK\n"))
    wait_for(lambda: node.state("rec") == "MODULE_STATE_READY", what="rec ready")
    node.ctl("publish", "NewBlock", "--payload", '{"hash":"01","height":1}', "--count", "40")
    wait_for(lambda: events(read_records(out), "NEW_BLOCK"), what="the first block handled")
    node.ctl("publish", "ChainReorg", "--payload", '{"old_tip":"a","new_tip":"b"}')
    gate.touch()  # however long plexusctl took, 39 blocks still wait behind the reorg
    wait_for(lambda: len(events(read_records(out), "NEW_BLOCK")) == 40, what="40 blocks")
    handled = [e for e in events(read_records(out)) if e["type"] in ("NEW_BLOCK", "CHAIN_REORG")]
    reorg = [i for i, e in enumerate(handled) if e["type"] == "CHAIN_REORG"]
    assert len(reorg) == 1
    critical = handled[reorg[0]]
    assert critical["critical"] and critical["lane"] == "CRITICAL" and critical["seq"] == 1
    assert reorg[0] < 39, "handled after the whole backlog"  # blocks were still waiting
    stats = wait_for(lambda: (s := node.stats("rec")) and int(s.get("acked", 0)) == 41 and s,
                     what="41 acked")
    lanes = {lane["lane"]: lane for lane in stats["lanes"]}
    assert int(lanes["LANE_CRITICAL"]["acked"]) == 1 and int(lanes["LANE_EVENT"]["acked"]) == 40
