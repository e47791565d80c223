"""A request made from a handler (the run() thread serves the socket until its answer comes)
returns as soon as its answer is received, also when the answer comes in a receive that brings
nothing else, and the events that arrived meanwhile reach their handlers afterwards, in order.
Against a FakeNode (fake_node.py) whose heartbeat interval is a minute: a wait for the next
message after the answer was already read would cost that minute (the request's own timeout)."""

from __future__ import annotations

import os
import sys
import time
from typing import List

from node import BIN

sys.path.insert(0, os.environ.get("PLEXUS_PYTHON_DIR") or str(BIN.parent / "python"))

import plexus  # noqa: E402
from plexus import EventType, events_pb2, wire_pb2  # noqa: E402

from fake_node import FakeNode, ModuleThread  # noqa: E402

REQUESTS = 40


def block(height: int) -> bytes:
    return plexus.make_event(events_pb2.NewBlock(hash="ab", height=height)).SerializeToString()


def test_a_handlers_request_returns_as_soon_as_its_answer_is_received():
    fake = FakeNode("asker")
    heights: List[int] = []
    routed: List[int] = []
    slowest = [0.0]
    failures: List[plexus.RequestError] = []

    def on_block(delivery: plexus.Delivery) -> None:
        heights.append(delivery.event.new_block.height)
        if delivery.event.new_block.height != 0:
            return
        for _ in range(REQUESTS):  # the first block's handler asks, again and again
            asked = time.monotonic()
            try:
                stats = runner.modules[0].stats()
            except plexus.RequestError as e:  # fail, and end run() (the fake gives up)
                failures.append(e)
                runner.modules[0].stop()
                return
            slowest[0] = max(slowest[0], time.monotonic() - asked)
            routed.append(stats.routed)

    runner = ModuleThread(fake, lambda module: module.on(EventType.NEW_BLOCK, on_block))
    try:
        fake.accept_handshake(capacity=1000, heartbeat_ms=60000)
        fake.accept_subscribe()
        fake.send_batch([(1, block(0))])
        for i in range(1, REQUESTS + 1):
            asked = fake.receive(30.0)
            assert asked is not None and asked.request.HasField("stats"), (i, asked, failures)
            # An event, then the answer by the next send: whether the module reads them in one
            # receive or two (the answer alone) is up to the scheduler; over the rounds, both.
            fake.send_batch([(1 + i, block(i))])
            fake.send(wire_pb2.Envelope(response=wire_pb2.Response(
                correlation_id=asked.request.correlation_id,
                stats=plexus.DeliveryStats(routed=i))))
        fake.receive_ack(1 + REQUESTS)
        fake.send(wire_pb2.Envelope(goodbye=wire_pb2.Goodbye(reason="test over")))
        runner.join()
        assert runner.outcome == [0]
    finally:
        runner.stop()
        fake.close()
    # A missed return waits a minute (the heartbeat, or the request's timeout); anything under
    # 20 s is an answer taken when it came, whatever the machine's load.
    assert slowest[0] < 20.0, slowest[0]
    assert routed == list(range(1, REQUESTS + 1))
    assert heights == list(range(0, REQUESTS + 1))
