"""A Python module's publish that the node published nothing of, in the real node: another writer
of journal.sqlite holds its write lock (as JournalWriteLock does for the C++ tests), so the node's
journal thread stalls in each commit and its queue (16 events) fills. A module's publish of a type
a durable module subscribes to then waits for room, and past block_timeout_ms the node published
nothing of it: module.publish() raises PublishError TIMEOUT with no `response` (the docstring's
"publish it again"), and the durable module gets exactly the events that were published."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from node import module_block, read_records, wait_for


def hold_write_lock(journal: Path) -> sqlite3.Connection:
    """journal.sqlite's write lock, taken by a connection of the test's own (BEGIN IMMEDIATE)."""
    connection = sqlite3.connect(journal, timeout=10, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    return connection


def test_a_publish_the_journal_had_no_room_for_raises_timeout_without_a_response(
        start_node, tmp_path):
    pub_out, sink_out = tmp_path / "pub.jsonl", tmp_path / "sink.jsonl"
    # Only NewTransaction is journaled: the operator's NewBlocks never wait, the module's
    # NewTransactions (one per NewBlock) do, for the durable sink.
    modules = module_block(
        "pub", pub_out, {"subscribe": "NEW_BLOCK", "publish_on_block": "NEW_TRANSACTION"},
        "  capabilities { publish: [EVENT_TYPE_NEW_TRANSACTION] }\n")
    modules += module_block("sink", sink_out, {"subscribe": "NEW_TRANSACTION"},
                            "  durable: true\n")
    node = start_node(modules, "  block_timeout_ms: 100\n",
                      journal="  types: EVENT_TYPE_NEW_TRANSACTION\n  queue: 16\n")
    for name in ("pub", "sink"):
        wait_for(lambda: node.state(name) == "MODULE_STATE_READY", what=f"{name} ready")

    lock = hold_write_lock(tmp_path / "journal" / "journal.sqlite")
    try:
        node.ctl("publish", "NewBlock", "--count", "40")

        def outcomes():
            records = read_records(pub_out)
            done = [r for r in records if r["kind"] in ("published", "publish_error")]
            return len(done) == 40 and done

        done = wait_for(outcomes, what="the module's 40 publishes answered")
    finally:
        lock.execute("ROLLBACK")
        lock.close()

    published = [r for r in done if r["kind"] == "published"]
    refused = [r for r in done if r["kind"] == "publish_error"]
    assert len(published) >= 16, done  # at least the queue's worth
    assert refused, "no publish waited past the block timeout"
    for error in refused:
        assert error["code"] == "TIMEOUT", error
        assert error["response"] is False, error  # the node took nothing: publish it again
        assert error["message"] == (
            "the event was not published: the journal made no room for it within 100 ms "
            "(durable subscriber(s): sink (timed out)); nothing was journaled or routed, "
            "publish it again"), error

    # The sink got exactly the published ones; with the lock gone, the next one goes through.
    def sink_txs():
        return [r for r in read_records(sink_out)
                if r["kind"] == "event" and r["type"] == "NEW_TRANSACTION"]

    wait_for(lambda: len(sink_txs()) >= len(published), what="the published ones at the sink")
    node.ctl("publish", "NewBlock")
    wait_for(lambda: len([r for r in read_records(pub_out) if r["kind"] == "published"])
             == len(published) + 1, what="the publish after the lock")
    wait_for(lambda: len(sink_txs()) >= len(published) + 1, what="it at the sink")
    assert len(sink_txs()) == len(published) + 1, sink_txs()
