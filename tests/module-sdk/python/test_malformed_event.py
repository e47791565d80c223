"""A malformed event is counted and skipped: the SDK's run() gets an event whose body does not
parse, reports it on stderr, counts it in Module.local_decode_errors (live, while run() runs),
acknowledges it with the others, and hands the next good event to its handler. The real
plexus-node only sends bodies it parsed itself, so a FakeNode (fake_node.py) sends this one."""

from __future__ import annotations

import os
import sys
from typing import List

from node import BIN, wait_for

sys.path.insert(0, os.environ.get("PLEXUS_PYTHON_DIR") or str(BIN.parent / "python"))

import plexus  # noqa: E402
from plexus import EventType, events_pb2, wire_pb2  # noqa: E402

from fake_node import FakeNode, ModuleThread  # noqa: E402

MALFORMED = b"\x0a\xff"  # field 1 (an enum, a varint) as a length-delimited field, cut short


def block(height: int) -> bytes:
    return plexus.make_event(events_pb2.NewBlock(hash="ab", height=height)).SerializeToString()


def test_a_malformed_event_is_counted_acked_and_skipped(capfd):
    fake = FakeNode("victim")
    heights: List[int] = []
    runner = ModuleThread(fake, lambda module: module.on(
        EventType.NEW_BLOCK, lambda d: heights.append(d.event.new_block.height)))
    try:
        fake.accept_handshake(capacity=8)
        subscribe = fake.accept_subscribe()
        assert list(subscribe.types) == [EventType.NEW_BLOCK]

        fake.send_batch([(1, block(1)), (2, MALFORMED), (3, block(3))])
        fake.receive_ack(3)  # the malformed one is acknowledged with the others
        assert heights == [1, 3]
        module = runner.modules[0]
        assert module.local_decode_errors == 1
        fake.send_batch([(4, block(4))])  # and what follows is delivered as usual
        fake.receive_ack(4)
        assert heights == [1, 3, 4] and module.local_decode_errors == 1

        fake.send(wire_pb2.Envelope(goodbye=wire_pb2.Goodbye(reason="test over")))
        goodbye = fake.receive(10.0)
        assert goodbye is not None and goodbye.HasField("goodbye"), goodbye
        runner.join()
        assert runner.outcome == [0]
        assert module.local_decode_errors == 1  # kept after run() returned
    finally:
        runner.stop()
        fake.close()
    err = capfd.readouterr().err
    assert "plexus-sdk: module 'victim': event seq 2 could not be decoded; skipped" in err
    assert err.count("could not be decoded") == 1


def test_without_a_fake_node_there_is_nothing_to_skip(start_node, tmp_path):
    """The control: the real node never sends a body the SDK cannot parse, so its count stays 0
    (the malformed test above is not passing by accident of the counter always moving)."""
    code = ("import plexus, sys\n"
            "from plexus import EventType\n"
            "module = plexus.Module.from_environment()\n"
            "module.on(EventType.NEW_BLOCK, lambda d: module.stop())\n"
            "status = module.run()\n"
            "print('decode errors', module.local_decode_errors, flush=True)\n"
            "sys.exit(status)\n")
    script = tmp_path / "count.py"
    script.write_text(code)
    node = start_node(f'module {{\n  name: "count"\n  exec: "{sys.executable}"\n'
                      f'  args: "{script}"\n  restart: RESTART_POLICY_NEVER\n}}\n')
    wait_for(lambda: node.state("count") == "MODULE_STATE_READY", what="count ready")
    node.ctl("publish", "NewBlock", "--payload", '{"hash":"01","height":1}')
    wait_for(lambda: "[module.count] stdout: decode errors 0" in node.log(), what="its count")
