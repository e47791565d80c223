"""Module.before_ack (as the C++ SDK's Module::beforeAck): the run() thread calls the function
before every ack it sends (the event lane's ack at half its window, the idle ack, the last acks
at NodeShutdown), so an ack never covers an event handled after the function last returned; a
function that raises is reported on stderr and the acks still go out. Against a FakeNode
(fake_node.py) that records each Ack."""

from __future__ import annotations

import os
import sys
from typing import List

import pytest

from node import BIN

sys.path.insert(0, os.environ.get("PLEXUS_PYTHON_DIR") or str(BIN.parent / "python"))

import plexus  # noqa: E402
from plexus import EventType, Lane, events_pb2, wire_pb2  # noqa: E402

from fake_node import FakeNode, ModuleThread  # noqa: E402


def block(height: int) -> bytes:
    return plexus.make_event(events_pb2.NewBlock(hash="ab", height=height)).SerializeToString()


def node_shutdown() -> bytes:
    return plexus.make_event(events_pb2.NodeShutdown(reason="test over")).SerializeToString()


def acks_until_goodbye(fake: FakeNode) -> List[int]:
    """The event lane's acks the module sends until its Goodbye."""
    acks: List[int] = []
    while True:
        envelope = fake.receive(10.0)
        assert envelope is not None, f"no Goodbye; acks so far: {acks}"
        if envelope.HasField("goodbye"):
            return acks
        if envelope.HasField("ack"):
            acks.append(envelope.ack.through_seq)


def test_every_ack_comes_after_the_function_let_its_events_through():
    fake = FakeNode("settler")
    handled: List[int] = []
    settled: List[int] = []  # how many events were handled at each call

    def setup(module: plexus.Module) -> None:
        module.on(EventType.NEW_BLOCK, lambda d: handled.append(d.event.new_block.height))
        module.on(EventType.NODE_SHUTDOWN, lambda d: None)

        @module.before_ack
        def settle() -> None:
            settled.append(len(handled))

    runner = ModuleThread(fake, setup)
    try:
        fake.accept_handshake(capacity=100)
        fake.accept_subscribe()
        fake.send_batch([(seq, block(seq)) for seq in range(1, 61)])  # an ack at 50, then idle
        fake.receive_ack(50)
        fake.receive_ack(60)
        fake.send_batch([(61, block(61))])
        fake.send_batch([(1, node_shutdown())], lane=Lane.LIFECYCLE)
        acks = [50, 60] + acks_until_goodbye(fake)
        runner.join()
        assert runner.outcome == [0]
        assert acks == [50, 60, 61]
        assert settled == acks, "each ack right after the function, with its events handled"
        with pytest.raises(RuntimeError, match="before run"):
            runner.modules[0].before_ack(lambda: None)
    finally:
        runner.stop()
        fake.close()


def test_a_function_that_raises_is_reported_and_the_acks_go_out(capfd):
    fake = FakeNode("raiser")
    calls: List[int] = []

    def setup(module: plexus.Module) -> None:
        module.on(EventType.NEW_BLOCK, lambda d: None)

        def settle() -> None:
            calls.append(1)
            raise OSError("the store is away")

        module.before_ack(settle)

    runner = ModuleThread(fake, setup)
    try:
        fake.accept_handshake(capacity=8)
        fake.accept_subscribe()
        fake.send_batch([(seq, block(seq)) for seq in range(1, 5)])  # half the window: 4
        fake.receive_ack(4)
        fake.send(wire_pb2.Envelope(goodbye=wire_pb2.Goodbye(reason="test over")))
        assert acks_until_goodbye(fake) == []
        runner.join()
        assert runner.outcome == [0]
        assert len(calls) == 1
    finally:
        runner.stop()
        fake.close()
    err = capfd.readouterr().err
    assert "plexus-sdk: module 'raiser': the before_ack function raised: OSError" in err
