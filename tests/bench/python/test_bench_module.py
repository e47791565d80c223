"""The Python bench module's pieces that need no node: reading the send stamp as
bench_event.cpp writes it, and the report plexus-bench reads (latency_histogram.h). The whole
module against a real plexus-bench is the ctest BenchSmoke.PythonModuleExec."""

from __future__ import annotations

import pytest

import bench_module
from plexus import EventType, events_pb2


def stamped_transaction(stamp: int, size: int = 256) -> events_pb2.Event:
    txid = f"{stamp:020d}".ljust(size, "x")  # 20 decimal digits, then padding (bench_event.cpp)
    return events_pb2.Event(
        type=EventType.NEW_TRANSACTION, new_transaction=events_pb2.NewTransaction(txid=txid)
    )


def test_reads_a_string_stamp_padded_to_the_event_size() -> None:
    read = bench_module.stamp_reader(EventType.NEW_TRANSACTION)
    assert read(stamped_transaction(123456789012345)) == 123456789012345


def test_reads_a_bytes_stamp_little_endian() -> None:
    read = bench_module.stamp_reader(EventType.MESSAGE_RECEIVED)
    event = events_pb2.Event(type=EventType.MESSAGE_RECEIVED)
    event.message_received.payload = (987654321).to_bytes(8, "little") + b"x" * 248
    assert read(event) == 987654321


def test_no_stamp_in_another_payload_or_a_short_field() -> None:
    read = bench_module.stamp_reader(EventType.NEW_TRANSACTION)
    other = events_pb2.Event(type=EventType.NEW_BLOCK)
    other.new_block.height = 7
    assert read(other) is None
    short = events_pb2.Event(
        type=EventType.NEW_TRANSACTION, new_transaction=events_pb2.NewTransaction(txid="12345")
    )
    assert read(short) is None
    letters = stamped_transaction(1)
    letters.new_transaction.txid = "x" * 256
    assert read(letters) is None


def test_a_type_without_a_payload_is_refused() -> None:
    with pytest.raises(ValueError, match="no payload"):
        bench_module.stamp_reader(EventType.UNSPECIFIED)


def test_report_counts_latencies_and_replaces_the_file_whole(tmp_path) -> None:
    out = tmp_path / "bench-0.out"
    bench_module.write_report(str(out), 4, 1, [300, 100, 300, 200])
    assert out.read_text() == "4 1\n100 1\n200 1\n300 2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["bench-0.out"]  # no temporary left
