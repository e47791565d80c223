"""Module.node_name: the node's node_name from the HandshakeAck (NodeInfo.name), as the real
plexus-node sends it, and "" from a node older than that field (a FakeNode's HandshakeAck
without it)."""

from __future__ import annotations

import os
import sys

from node import BIN, module_block, read_records, wait_for

sys.path.insert(0, os.environ.get("PLEXUS_PYTHON_DIR") or str(BIN.parent / "python"))

from plexus import wire_pb2  # noqa: E402

from fake_node import FakeNode, ModuleThread  # noqa: E402


def test_node_name_is_the_nodes_configured_name(start_node, tmp_path):
    out = tmp_path / "rec.jsonl"
    modules = module_block("rec", out, {"subscribe": "NEW_BLOCK"})
    node = start_node('node_name: "py-node-7"\n' + modules)
    wait_for(lambda: node.state("rec") == "MODULE_STATE_READY", what="rec ready")
    ready = wait_for(lambda: [r for r in read_records(out) if r["kind"] == "ready"],
                     what="ready")[0]
    assert ready["node_name"] == "py-node-7"


def test_node_name_is_empty_from_an_older_node():
    fake = FakeNode("old")
    runner = ModuleThread(fake, lambda module: None)
    try:
        fake.accept_handshake(capacity=8)  # no NodeInfo.name: what an older node sends
        fake.accept_subscribe()
        module = runner.modules[0]
        assert module.node_name == ""
        fake.send(wire_pb2.Envelope(goodbye=wire_pb2.Goodbye(reason="test over")))
        runner.join()
        assert runner.outcome == [0]
    finally:
        runner.stop()
        fake.close()
