#!/usr/bin/python3
"""The Python SDK's per-event dispatch cost without a node or a socket: RunLoop._handle_next
over batches of real encoded 256-byte NewTransaction events (decode, Delivery, the handler call
through Module._invoke, ack bookkeeping; one ack envelope per half window, serialized but not
sent), the way run() takes them from PendingEvents. One CPU-bound process timed in CPU time, so
it measures the SDK's own per-event work far more steadily than plexus-bench does on a shared
machine.

    PYTHONPATH=build/python /usr/bin/python3 tests/bench/python/dispatch_bench.py [REPEATS=7]

Prints each repeat's ns/event and their median (docs/performance.md, "Python modules").
"""

from __future__ import annotations

import functools
import statistics
import sys
import time
from types import SimpleNamespace

from plexus import EventType, Lane, events_pb2, wire_pb2
from plexus._run_loop import RunLoop
from plexus._wire import Batch
from plexus.module import Module

EVENTS = 200_000
BATCH = 50  # plexus-bench's mean batch at capacity 100


class _FakeConnection:
    """What RunLoop needs of a Connection to dispatch: the handshake, the minor, send()."""

    def __init__(self) -> None:
        self.handshake = SimpleNamespace(channel_capacity=100, critical_capacity=16,
                                         replay_capacity=100)
        self.minor = 5
        self.sent = 0

    def send(self, env: wire_pb2.Envelope) -> None:
        env.SerializeToString()
        self.sent += 1


def _batch(first_seq: int) -> Batch:
    metas, bodies = [], []
    for seq in range(first_seq, first_seq + BATCH):
        event = events_pb2.Event(type=EventType.NEW_TRANSACTION)
        event.new_transaction.txid = f"{seq:020d}".ljust(256, "x")
        body = event.SerializeToString()
        metas.append(wire_pb2.EventMeta(seq=seq, size=len(body)))
        bodies.append(body)
    return Batch(Lane.EVENT, metas, bodies)


def one_repeat() -> float:
    handled = [0]

    def handler(d) -> None:
        handled[0] += d.dropped_before + 1

    # Module.run()'s own invoke; a plain handler never reaches what it needs of the Module.
    invoke = functools.partial(Module._invoke, SimpleNamespace())
    loop = RunLoop(_FakeConnection(), "bench", {EventType.NEW_TRANSACTION: handler}, invoke)
    batches = [_batch(1 + i * BATCH) for i in range(EVENTS // BATCH)]
    pending, handle = loop._pending, loop._handle_next
    start = time.process_time_ns()
    for batch in batches:
        pending.push(batch)
        while len(pending):
            handle()
    elapsed = time.process_time_ns() - start
    assert handled[0] == EVENTS
    return elapsed / EVENTS


def main() -> int:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    runs = [one_repeat() for _ in range(repeats)]
    print("ns_per_event " + " ".join(f"{r:.0f}" for r in runs), flush=True)
    print(f"median ns_per_event={statistics.median(runs):.0f} events={EVENTS} repeats={repeats}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
