"""TailStream: `plexusctl tail` as an iterator (host/ctl/src/tail.cpp). The session has its own
bounded drop-policy channel on the node; credit goes back (TailAck) as soon as the caller has
taken the last event of an event-lane batch, so a slow reader makes the node drop for the
tail, never slows the node. close() ends the session with TailStop and waits for TailStopped.

Thread rule: the thread that owns the ControlClient owns its TailStreams.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Deque, Dict, Iterator, Optional

from plexus._control_socket import ControlSocket, control_pb2
from plexus._pb import EventType, events_pb2, stats_pb2
from plexus.errors import ControlError, ControlRefused, ControlTimeout

# How long close() waits for the node to confirm TailStop (plexusctl's kStopWait).
_STOP_WAIT = 1.0
# One wait for the socket; the stream looks at its deadlines between waits.
_POLL = 0.2


@dataclass(frozen=True)
class TailEvent:
    """One event of a tail: its sequence number in the session's lane, how many events of that
    lane the session's channel dropped just before it, its journal offset (0: not journaled),
    whether it came on the lifecycle lane (own sequence), and the event."""

    seq: int
    dropped_before: int
    lifecycle: bool
    offset: int
    event: events_pb2.Event

    def to_dict(self) -> Dict[str, Any]:
        """The line `plexusctl tail` prints, as a dict: seq, dropped_before, lifecycle, event."""
        from plexus.control import to_dict  # noqa: PLC0415 - control imports this module

        return {"seq": self.seq, "dropped_before": self.dropped_before,
                "lifecycle": self.lifecycle, "event": to_dict(self.event)}


class TailStream:
    """Iterates the live events of one tail session (see ControlClient.tail)."""

    def __init__(self, socket: ControlSocket, correlation_id: int, timeout: float,
                 count: Optional[int], idle_timeout: Optional[float]) -> None:
        self._socket = socket
        self._correlation_id = correlation_id
        self._timeout = timeout
        self._remaining = count
        self._idle_timeout = idle_timeout
        self._pending: Deque[TailEvent] = deque()
        # Responses other requests on the same client received meanwhile (ControlSocket.stray).
        self._inbox: Deque[control_pb2.ControlResponse] = deque()
        socket.stray = self._inbox.append
        self._unacked: Optional[int] = None  # the last seq of a batch taken but not acked yet
        self._open = True
        self._node_stopped = False
        self.stopped_confirmed = False  # the node answered TailStop with TailStopped

    @property
    def closed(self) -> bool:
        return not self._open

    def __iter__(self) -> Iterator[TailEvent]:
        return self

    def __enter__(self) -> "TailStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __next__(self) -> TailEvent:
        if not self._open or self._remaining == 0 or self._node_stopped:
            self.close()
            raise StopIteration
        if not self._pending:
            self._ack()
            self._fill()
            if not self._pending:  # idle_timeout passed
                self.close()
                raise StopIteration
        event = self._pending.popleft()
        if not self._pending:
            self._ack()  # the caller has taken the whole batch: its credit goes back now
        if self._remaining is not None:
            self._remaining -= 1
        if event.event.type == EventType.NODE_SHUTDOWN_COMPLETED:
            self._node_stopped = True  # nothing follows, and a stopped node cannot answer
        return event

    def _ack(self) -> None:
        if self._unacked is None:
            return
        request = control_pb2.ControlRequest()
        request.tail_ack.through_seq = self._unacked
        self._unacked = None
        self._socket.send(request)

    def _fill(self) -> None:
        """Waits for the next batch with events. Every wait has a deadline: after `timeout`
        without anything from the node (it sends an empty batch every heartbeat interval to a
        quiet session), a status request must be answered within `timeout`."""
        now = time.monotonic()
        idle_deadline = None if self._idle_timeout is None else now + self._idle_timeout
        heard = now
        while self._inbox and not self._pending:
            self._take(self._inbox.popleft())
        while not self._pending:
            now = time.monotonic()
            if idle_deadline is not None and now >= idle_deadline:
                return
            if now - heard >= self._timeout:
                self._check_alive()
                heard = time.monotonic()
            wait = _POLL if idle_deadline is None else min(_POLL, max(0.0, idle_deadline - now))
            response = self._socket.receive(wait)
            if response is None:
                continue
            heard = time.monotonic()
            self._take(response)
            if not self._pending:
                self._ack()  # a batch of nothing decodable still returns its credit

    def _check_alive(self) -> None:
        probe = control_pb2.ControlRequest()
        probe.status.SetInParent()
        probe.correlation_id = self._socket.next_correlation()
        self._socket.send(probe)
        deadline = time.monotonic() + self._timeout
        while True:  # batches that arrive meanwhile are kept
            left = deadline - time.monotonic()
            if left <= 0:
                self._open = False
                raise ControlTimeout(
                    f"plexus-node stopped answering during the tail ({self._socket.socket_path})")
            response = self._socket.receive(left)
            if response is None:
                continue
            if response.correlation_id == probe.correlation_id:
                return
            self._inbox.append(response)

    def _take(self, response: control_pb2.ControlResponse) -> None:
        body = response.WhichOneof("body")
        if body == "error":
            self._open = False
            raise ControlRefused(response.error.code, response.error.message)
        if body != "tail_events":
            return  # a late answer (status probe)
        batch = response.tail_events
        if len(batch.events) != len(batch.bodies):
            raise ControlError(f"malformed tail batch ({len(batch.events)} events, "
                               f"{len(batch.bodies)} bodies)")
        lifecycle = batch.lane == stats_pb2.LANE_LIFECYCLE
        for meta, body_bytes in zip(batch.events, batch.bodies):
            event = events_pb2.Event()
            try:
                event.ParseFromString(body_bytes)
            except Exception:  # noqa: BLE001 - plexusctl skips an undecodable event too
                continue
            self._pending.append(TailEvent(meta.seq, meta.dropped_before, lifecycle,
                                           meta.offset, event))
        # Credit returns on the event lane only; the lifecycle lane is never held.
        if batch.events and not lifecycle:
            self._unacked = batch.events[-1].seq

    def close(self) -> None:
        """Ends the session on the node (TailStop) and waits up to 1 s for TailStopped, so the
        session is gone when this returns; idempotent. Skipped after NodeShutdownCompleted."""
        if not self._open:
            return
        self._open = False
        if self._socket.stray == self._inbox.append:
            self._socket.stray = None
        self._inbox.clear()
        if self._node_stopped:
            return
        request = control_pb2.ControlRequest()
        request.tail_stop.SetInParent()
        try:
            correlation = self._socket.send(request)
            answer = self._socket.wait_for(correlation, min(self._timeout, _STOP_WAIT))
            self.stopped_confirmed = answer.WhichOneof("body") == "tail_stopped"
        except ControlError:
            pass  # best effort: the node also ends a session whose client vanished
