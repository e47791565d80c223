"""The Python bench module's pieces that need no node: reading the send stamp as
bench_event.cpp writes it, and the report plexus-bench reads (latency_histogram.h). The whole
module against a real plexus-bench is the ctest BenchSmoke.PythonModuleExec."""

from __future__ import annotations

import time

import pytest

import bench_module
import plexus
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


class _FakeModule:
    """Module's surface main() uses; run() hands the registered handlers `deliveries`."""

    def __init__(self, settings: dict, deliveries: list) -> None:
        self._settings, self._deliveries, self.handlers = settings, deliveries, {}

    def setting(self, key: str, default: str = "") -> str:
        return self._settings.get(key, default)

    def on(self, event_type: int, handler, filter: str = "") -> None:
        self.handlers[event_type] = handler

    def run(self) -> int:
        for d in self._deliveries:
            self.handlers[d.event.type](d)
        return 0


def delivery(event: events_pb2.Event, dropped_before: int = 0) -> plexus.Delivery:
    return plexus.Delivery(event, 1, dropped_before, plexus.Lane.EVENT)


def completed(broadcast_id: str) -> events_pb2.Event:
    event = events_pb2.Event(type=EventType.BROADCAST_COMPLETED)
    event.broadcast_completed.broadcast_id = broadcast_id
    return event


def test_main_counts_events_and_drops_and_reports_at_the_end_marker(tmp_path, monkeypatch) -> None:
    out = tmp_path / "bench-0.out"
    now = time.monotonic_ns()
    deliveries = [
        delivery(stamped_transaction(now - 1000)),
        delivery(stamped_transaction(now - 2000), dropped_before=3),
        delivery(completed("not the end")),
        delivery(completed("end")),
    ]
    fake = _FakeModule({"out": str(out), "type": str(int(EventType.NEW_TRANSACTION))}, deliveries)
    monkeypatch.setattr(plexus.Module, "from_environment", lambda *args: fake)
    assert bench_module.main() == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "2 3"
    latencies = [int(line.split()[0]) for line in lines[1:]]
    assert len(latencies) == 2 and all(1000 <= ns < 10**9 for ns in latencies)


def test_main_without_out_setting_fails(monkeypatch, capsys) -> None:
    monkeypatch.setattr(plexus.Module, "from_environment", lambda *args: _FakeModule({}, []))
    assert bench_module.main() == 1
    assert "setting out is required" in capsys.readouterr().err
