"""plexus.control's errors without a real node: no control socket, and a control socket the test
owns (a zmq ROUTER at a fake runtime dir) that never answers, stops answering during a tail, or
answers with something unusable; the protocol fields each request carries; the thread rule."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from node import REPO, wait_for

sys.path.insert(0, os.environ.get("PLEXUS_PYTHON_DIR", str(REPO / "build" / "python")))

import zmq  # noqa: E402

from plexus import ErrorCode, EventType, events_pb2  # noqa: E402
from plexus.control import (  # noqa: E402
    ControlClient,
    ControlError,
    ControlRefused,
    ControlTimeout,
    NodeNotRunning,
    control_socket_path,
)
from plexus.v1 import control_pb2  # noqa: E402

BLOCK = {"hash": "00ab", "height": 7}


def test_node_not_running_names_the_socket(tmp_path, monkeypatch):
    client = ControlClient(tmp_path / "nothing")
    for call in (client.status, client.modules, client.stats, lambda: client.tail()):
        with pytest.raises(NodeNotRunning) as missing:
            call()
        assert missing.value.socket_path == str(tmp_path / "nothing" / "control.sock")
        assert f"no control socket at {tmp_path / 'nothing' / 'control.sock'}" in str(missing.value)
    (tmp_path / "file").mkdir()
    (tmp_path / "file" / "control.sock").write_text("not a socket")
    with pytest.raises(NodeNotRunning):
        ControlClient(tmp_path / "file").status()
    client.close()
    # The runtime dir plexusctl would use.
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert ControlClient().socket_path == tmp_path / "plexus" / "control.sock"
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert control_socket_path() == Path(f"/tmp/plexus-{os.getuid()}/control.sock")


class FakeNode:
    """A control ROUTER the test owns at <dir>/control.sock: records each request and answers
    it with reply(request) (raw bytes), or never when that is None."""

    def __init__(self, directory: Path, reply) -> None:
        self.requests = []
        self._context = zmq.Context(1)
        self._router = self._context.socket(zmq.ROUTER)
        self._router.bind(f"ipc://{directory / 'control.sock'}")
        self._reply = reply
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._done.is_set():
            if not self._router.poll(50):
                continue
            client, frame = self._router.recv_multipart()
            request = control_pb2.ControlRequest.FromString(frame)
            self.requests.append(request)
            answer = self._reply(request)
            if answer is not None:
                self._router.send_multipart([client, answer])

    def close(self) -> None:
        self._done.set()
        self._thread.join()
        self._router.close(0)
        self._context.term()


def answer(correlation_id: int, **body) -> bytes:
    return control_pb2.ControlResponse(correlation_id=correlation_id, **body).SerializeToString()


def test_a_node_that_never_answers_times_out(tmp_path):
    fake = FakeNode(tmp_path, lambda request: None)
    try:
        client = ControlClient(tmp_path, timeout=0.3)
        started = time.monotonic()
        with pytest.raises(ControlTimeout, match="did not answer within 300 ms"):
            client.status()
        assert 0.3 <= time.monotonic() - started < 3
        with pytest.raises(ControlTimeout):
            client.tail(types=["NewBlock"])  # the probe before the subscription
        with pytest.raises(ControlTimeout):
            client.publish("NewBlock", BLOCK)
        client.close()
        wait_for(lambda: len(fake.requests) == 3, what="3 requests")
        first = fake.requests[0]
        assert (first.protocol_major, first.protocol_minor) == (1, 6)
        assert [r.correlation_id for r in fake.requests] == [1, 2, 3]
        assert [r.WhichOneof("body") for r in fake.requests] == ["status", "status", "publish"]
        assert fake.requests[2].publish.progress_interval_ms == 75  # plexusctl's: timeout / 4
    finally:
        fake.close()


def test_a_quiet_tail_checks_the_node_still_answers(tmp_path):
    statuses = []

    def reply(request):  # answers the first two status requests, then nothing
        if request.WhichOneof("body") != "status":
            return None
        statuses.append(request.correlation_id)
        if len(statuses) > 2:
            return None
        return answer(request.correlation_id,
                      status=control_pb2.StatusResponse(protocol_version="1.5"))

    fake = FakeNode(tmp_path, reply)
    try:
        with ControlClient(tmp_path, timeout=0.3) as client:
            stream = client.tail(types=["NewBlock"])  # status 1: the probe
            started = time.monotonic()
            # No keepalive for 0.3 s: status 2 is answered, status 3 is not.
            with pytest.raises(ControlTimeout, match="stopped answering during the tail"):
                next(stream)
            assert 0.6 <= time.monotonic() - started < 5
            assert len(statuses) == 3 and stream.closed
        kinds = [r.WhichOneof("body") for r in fake.requests]
        # No TailStop to a node that stopped answering (closing would wait for nothing).
        assert kinds[:2] == ["status", "tail"] and "tail_stop" not in kinds
    finally:
        fake.close()


def test_answers_that_cannot_be_used(tmp_path):
    replies = {
        "status": lambda r: b"\xff\xff\xff",  # not a ControlResponse
        "modules": lambda r: answer(r.correlation_id, status=control_pb2.StatusResponse()),
        "stats": lambda r: answer(0, error={"code": ErrorCode.MALFORMED, "message": "bad"}),
    }
    fake = FakeNode(tmp_path, lambda r: replies[r.WhichOneof("body")](r))
    try:
        with ControlClient(tmp_path, timeout=5) as client:
            with pytest.raises(ControlError, match="cannot be parsed"):
                client.status()
            with pytest.raises(ControlError, match="unexpected answer.*status instead of modules"):
                client.modules()
            with pytest.raises(ControlRefused) as refused:  # correlation id 0: unreadable
                client.stats()
            assert refused.value.code == ErrorCode.MALFORMED and refused.value.message == "bad"
    finally:
        fake.close()


def test_a_client_belongs_to_its_thread(tmp_path):
    client = ControlClient(tmp_path)
    errors = []
    worker = threading.Thread(target=lambda: errors.append(_raises(client.status)))
    worker.start()
    worker.join()
    assert isinstance(errors[0], RuntimeError)
    with pytest.raises(ValueError):
        ControlClient(tmp_path, timeout=0)


def _raises(call):
    try:
        call()
    except Exception as e:  # noqa: BLE001 - returned for the test to look at
        return e
    return None


def tail_batch(seqs, bodies) -> bytes:
    batch = control_pb2.TailEvents(lane=1, bodies=bodies)  # LANE_EVENT
    for seq in seqs:
        batch.events.add(seq=seq)
    return answer(0, tail_events=batch)


def test_tail_skips_undecodable_events_and_refuses_malformed_batches(tmp_path):
    block = events_pb2.Event(type=EventType.NEW_BLOCK, new_block=events_pb2.NewBlock(height=5))
    batches = {"good": tail_batch([1, 2], [b"\xff\xff", block.SerializeToString()]),
               "bad": tail_batch([1, 2], [block.SerializeToString()])}
    mode = ["good"]

    def reply(request):
        body = request.WhichOneof("body")
        if body == "status":
            return answer(request.correlation_id, status=control_pb2.StatusResponse())
        if body == "tail":
            return batches[mode[0]]
        if body == "tail_stop":
            return answer(request.correlation_id, tail_stopped=control_pb2.TailStopped())
        return None

    fake = FakeNode(tmp_path, reply)
    try:
        with ControlClient(tmp_path, timeout=5) as client:
            with client.tail(types=["NewBlock"], count=1) as stream:
                got = list(stream)
            assert [(e.seq, e.event.new_block.height) for e in got] == [(2, 5)]
            assert stream.stopped_confirmed
            mode[0] = "bad"
            with pytest.raises(ControlError, match="malformed tail batch"):
                next(client.tail(types=["NewBlock"]))
        wait_for(lambda: any(r.WhichOneof("body") == "tail_ack" for r in fake.requests),
                 what="the ack")
        acks = [r.tail_ack.through_seq for r in fake.requests if r.WhichOneof("body") == "tail_ack"]
        assert acks == [2]  # the whole batch, the undecodable event included
    finally:
        fake.close()
