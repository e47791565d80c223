#!/usr/bin/python3
"""The Python module side of plexus-bench: what `plexus-bench --module-exec` asks of a module
(plexus-bench --help), as tests/bench/bench_module.cpp does it, built on the `plexus` package.

Subscribes to the bench type (setting `type`, a number; MessageReceived when absent) and to
BroadcastCompleted. For each bench event: counts it, adds Delivery.dropped_before to the dropped
it saw, and records time.monotonic_ns() (CLOCK_MONOTONIC, the bench's steady clock) minus the
stamp the bench's publishing thread put in the payload (the payload's first bytes field: 8
little-endian bytes; else its first string field: 20 decimal digits; else its first 64-bit
integer field). On BroadcastCompleted "end" it writes its report to a temporary file and renames
it to setting `out`: "<received> <dropped_seen>", then "<latency_ns> <count>" lines.

Run by Debian's /usr/bin/python3 (python3-zmq, python3-protobuf); plexus-node puts the SDK on
PYTHONPATH for the modules it spawns. Single-threaded: everything runs on Module.run()'s thread.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from typing import Callable, List, Optional

import plexus
from google.protobuf.descriptor import FieldDescriptor
from plexus import EventType, events_pb2

_STAMP_TYPES = (
    FieldDescriptor.TYPE_BYTES,
    FieldDescriptor.TYPE_STRING,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_INT64,
)
_DIGITS = 20


def stamp_reader(event_type: int) -> Callable[[plexus.Event], Optional[int]]:
    """A function reading the send stamp of an event of `event_type` (bench_event.cpp's
    StampReader): None when the event carries none."""
    payload = events_pb2.Event.DESCRIPTOR.fields_by_number.get(100 + event_type)
    if payload is None or payload.message_type is None:
        raise ValueError(f"{plexus.display_name(event_type)} has no payload to carry the stamp")
    field = None
    for wanted in _STAMP_TYPES:
        field = next(
            (f for f in payload.message_type.fields
             if f.type == wanted and f.label != FieldDescriptor.LABEL_REPEATED),
            None,
        )
        if field is not None:
            break
    if field is None:
        raise ValueError(f"{plexus.display_name(event_type)} has no field to carry the stamp")
    payload_name, name, kind = payload.name, field.name, field.type

    def read(event: plexus.Event) -> Optional[int]:
        if event.WhichOneof("payload") != payload_name:
            return None
        value = getattr(getattr(event, payload_name), name)
        if kind == FieldDescriptor.TYPE_BYTES:
            return int.from_bytes(value[:8], "little", signed=True) if len(value) >= 8 else None
        if kind == FieldDescriptor.TYPE_STRING:
            digits = value[:_DIGITS]
            return int(digits) if len(digits) == _DIGITS and digits.isdigit() else None
        return value

    return read


def write_report(path: str, received: int, dropped_seen: int, latencies: List[int]) -> None:
    lines = [f"{received} {dropped_seen}\n"]
    lines += [f"{ns} {count}\n" for ns, count in sorted(Counter(latencies).items())]
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="ascii") as out:
        out.writelines(lines)
    os.rename(temporary, path)  # last: the bench waits for this file


def main() -> int:
    module = plexus.Module.from_environment("bench", "1.0.0")
    out = module.setting("out")
    if not out:
        print("bench_module.py: setting out is required", file=sys.stderr)
        return 1
    bench_type = int(module.setting("type", str(int(EventType.MESSAGE_RECEIVED))))
    read_stamp = stamp_reader(bench_type)
    now_ns = time.monotonic_ns
    latencies: List[int] = []
    record = latencies.append
    tally = [0, 0]  # received, dropped_seen

    def on_bench(d: plexus.Delivery) -> None:
        now = now_ns()
        tally[0] += 1
        tally[1] += d.dropped_before
        stamp = read_stamp(d.event)
        if stamp is not None:
            record(now - stamp)

    def on_completed(d: plexus.Delivery) -> None:
        if d.event.broadcast_completed.broadcast_id != "end":
            return
        write_report(out, tally[0], tally[1], latencies)
        tally[0] = tally[1] = 0
        latencies.clear()

    if bench_type == EventType.BROADCAST_COMPLETED:
        def on_both(d: plexus.Delivery) -> None:
            if d.event.broadcast_completed.broadcast_id == "end":
                on_completed(d)
            else:
                on_bench(d)

        module.on(bench_type, on_both)
    else:
        module.on(bench_type, on_bench, filter=module.setting("filter"))
        module.on(EventType.BROADCAST_COMPLETED, on_completed)
    return module.run()


if __name__ == "__main__":
    sys.exit(main())
