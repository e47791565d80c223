"""RunLoop: what Module.run() does on its thread (as the C++ SDK's Module::Impl::runLoop).

One Subscribe with every handler's type (and filter); then dispatch, lifecycle lane first, then
critical, then event, then replay last (a ReplayEnd after the replay events received before it),
one handler at a time. Credit goes back per acked lane at half its window
as handlers finish, the critical lane's as soon as no critical event waits, and whatever is
unacked after 10 ms idle; each ack after Module.before_ack's function returned. Between two
handlers: other threads' requests and heartbeats, and at most every 0.5 ms a receive, so a
critical event overtakes the event-lane backlog.
Returns 0 after NodeShutdown (its handler and those of the events already received ran), the
node's Goodbye or stop(); a remote module instead reconnects after NodeShutdown (at the node's
Goodbye or the loss of its connection: the node may be restarting). 1 when the node refused the
subscription; 2 when the connection is lost (a remote module reconnects instead, subscribes
again and goes on as a new incarnation; 2 only when the node refuses it for good).
"""

from __future__ import annotations

import sys
import time
import traceback
from collections import deque
from typing import Callable, Deque, Dict, Optional

from google.protobuf.message import DecodeError

from plexus._connection import Connection
from plexus._pb import EventType, Lane, display_name, events_pb2, wire_pb2
from plexus._pending import LaneAcks, PendingEvents
from plexus._version import MINOR_FILTERS, PROTOCOL_MAJOR
from plexus._wire import Incoming, Kind, envelope
from plexus.delivery import Delivery
from plexus.errors import ConnectError

IDLE_ACK_DELAY = 0.010
RECEIVE_INTERVAL = 0.0005
# Plain ints for the per-event path: an IntEnum member's lookup costs ~4x an int's.
_CRITICAL = int(Lane.CRITICAL)
_NODE_SHUTDOWN = int(EventType.NODE_SHUTDOWN)
_parse_event = events_pb2.Event.FromString

# Runs one handler: (handler, delivery) -> None; raises what the handler raised.
Invoke = Callable[[Callable, Delivery], None]


def subscribe_request(
    module_id: str, handlers: Dict[int, Callable], filters: Dict[int, str], minor: int
) -> wire_pb2.Envelope:
    subscribe = wire_pb2.Subscribe()
    for event_type in sorted(handlers):
        expression = filters.get(event_type, "")
        if expression:
            if minor < MINOR_FILTERS:
                _say(
                    module_id,
                    f"subscription to {display_name(event_type)} refused: its filter needs "
                    f"protocol {PROTOCOL_MAJOR}.{MINOR_FILTERS}, the connection negotiated "
                    f"{PROTOCOL_MAJOR}.{minor}",
                )
                continue
            subscribe.filters.add(type=event_type, expression=expression)
        subscribe.types.append(event_type)
    return envelope(minor, subscribe=subscribe)


def _say(module_id: str, what: str) -> None:
    print(f"plexus-sdk: module '{module_id}': {what}", file=sys.stderr, flush=True)


class RunLoop:
    def __init__(
        self,
        connection: Connection,
        module_id: str,
        handlers: Dict[int, Callable],
        invoke: Invoke,
        replay_end_handler: Optional[Callable] = None,
        before_ack: Optional[Callable[[], object]] = None,
    ) -> None:
        self._connection = connection
        self._id = module_id
        self._handlers = handlers
        self._invoke = invoke
        self._replay_end_handler = replay_end_handler
        self._before_ack = before_ack
        self._acks = LaneAcks(1, 1, 1)  # set by _subscribe()
        self._pending = PendingEvents()
        self._deferred: Deque[Incoming] = deque()  # after the pending events, in order
        self._last_receive = 0.0
        self.refused: Dict[int, str] = {}
        self.decode_errors = 0
        self.said_goodbye = False

    def run(self, filters: Dict[int, str]) -> int:
        connection = self._connection
        self._subscribe(filters)
        subscribed = False
        shutting_down = False  # NodeShutdown handled: what was received is handled, then leave
        node_stopping = False  # a remote module after NodeShutdown: it comes back to the node
        self._last_receive = time.monotonic()
        while True:
            if len(self._pending):
                shutting_down = self._handle_next() or shutting_down
                if not len(self._pending):
                    continue
                if shutting_down:
                    connection.serve_between_handlers()
                else:
                    self._between_handlers()
                continue
            if shutting_down:
                if not connection.remote:
                    return self._leave("node shutdown", 0)
                self._flush_acks()  # the node may be restarting: reconnect to it
                shutting_down, node_stopping = False, True
                continue
            incoming: Optional[Incoming]
            if self._deferred:
                incoming = self._deferred.popleft()
            else:
                # Idle with unacked events: their credit goes back after IDLE_ACK_DELAY unless
                # more events arrive first (each lane also acks itself at half its window).
                deadline = (
                    time.monotonic() + IDLE_ACK_DELAY if self._acks.any_unacked() else None
                )
                incoming = connection.next(deadline)
            if incoming is None:
                self._flush_acks()
                continue
            kind = incoming.kind
            if kind is Kind.BATCH:
                assert incoming.batch is not None
                self._pending.push(incoming.batch)
                self._take_received()
            elif kind is Kind.REPLAY_END:
                assert incoming.replay_end is not None
                self._pending.push_replay_end(incoming.replay_end)
                self._take_received()
            elif kind is Kind.SUBSCRIBE_ACK:
                subscribed = True
                connection.productive()
                for event_type, reason in incoming.refused:
                    self.refused[event_type] = reason
                    _say(self._id, f"subscription refused: {display_name(event_type)}: {reason}")
            elif kind is Kind.HOST_ERROR:
                if not subscribed:
                    _say(self._id, f"subscription refused: {incoming.message}")
                    return self._leave("subscription refused", 1)
                _say(self._id, f"plexus-node reports: {incoming.message}")
            elif kind is Kind.HOST_GOODBYE and not node_stopping:
                return self._leave("unloaded", 0)
            elif kind is Kind.STOP:
                return self._leave("stopped", 0)
            elif kind is Kind.HOST_LOST or kind is Kind.HOST_GOODBYE:
                # A loss, or the Goodbye of a stopping node (after NodeShutdown): reconnect.
                _say(self._id, incoming.message)
                status = self._reconnect(filters) if connection.remote else 2
                if status is not None:
                    self.said_goodbye = True  # nobody to say it to
                    return status
                subscribed = node_stopping = False

    def _subscribe(self, filters: Dict[int, str]) -> None:
        """The Subscribe of every handler's type; each lane's credit goes back at half its
        window (this connection's)."""
        connection = self._connection
        connection.send(subscribe_request(self._id, self._handlers, filters, connection.minor))
        ack = connection.handshake
        self._acks = LaneAcks(
            max(1, ack.channel_capacity // 2),
            max(1, ack.critical_capacity // 2),
            max(1, ack.replay_capacity // 2),
        )

    def _reconnect(self, filters: Dict[int, str]) -> Optional[int]:
        """A remote module's lost connection: reconnects and subscribes again (None), or run()'s
        status when it cannot (0 after stop(), 2 when the node refuses it for good). What was
        received before the loss was handled (it came first); its acks went nowhere."""
        try:
            if not self._connection.reconnect():
                return 0
        except ConnectError as e:
            _say(self._id, str(e))
            return 2
        self._subscribe(filters)
        return None

    def _leave(self, reason: str, status: int) -> int:
        self._flush_acks()
        self._connection.send(envelope(self._connection.minor, goodbye=wire_pb2.Goodbye(reason=reason)))
        self.said_goodbye = True
        return status

    def _send_ack(self, lane: int, through_seq: int) -> None:
        if self._before_ack is not None:  # Module.before_ack: what it lets pass is acknowledged
            try:
                self._before_ack()
            except Exception as e:  # noqa: BLE001 - reported; the acks go out
                _say(self._id, f"the before_ack function raised: {e!r}")
                traceback.print_exc(file=sys.stderr)
        # The event lane's ack leaves Ack.lane unset: what every minor reads as the event lane.
        ack = wire_pb2.Ack(through_seq=through_seq)
        if lane != Lane.EVENT:
            ack.lane = lane  # critical or replay
        self._connection.send(envelope(self._connection.minor, ack=ack))

    def _flush_acks(self) -> None:
        for lane in (Lane.CRITICAL, Lane.EVENT, Lane.REPLAY):
            if self._acks.unacked(lane):
                self._send_ack(lane, self._acks.take(lane))

    def _handle_next(self) -> bool:
        """Hands the next pending event to its handler and returns its lane's credit when due.
        True when it was NodeShutdown. A ReplayEnd goes to its handler instead (nothing to ack)."""
        lane, meta, body = self._pending.pop()
        if meta is None:
            self._handle_replay_end(body)
            return False
        shutdown = False
        try:
            event = _parse_event(body)
        except DecodeError:
            self.decode_errors += 1
            _say(self._id, f"event seq {meta.seq} could not be decoded; skipped")
        else:
            event_type = event.type
            shutdown = event_type == _NODE_SHUTDOWN
            handler = self._handlers.get(event_type)
            if handler is not None:
                delivery = Delivery(
                    event, meta.seq, meta.dropped_before, lane, meta.offset, meta.flags
                )
                try:
                    self._invoke(handler, delivery)
                except Exception as e:  # noqa: BLE001 - a handler's failure is reported, not fatal
                    _say(self._id, f"the {display_name(event_type)} handler raised: {e!r}")
                    traceback.print_exc(file=sys.stderr)
        # Critical credit goes back as soon as no critical event waits.
        due = self._acks.handled(lane, meta.seq)
        if due or (lane == _CRITICAL and not self._pending.has_critical()):
            self._send_ack(lane, self._acks.take(lane))
        return shutdown

    def _handle_replay_end(self, end: wire_pb2.ReplayEnd) -> None:
        if self._replay_end_handler is None:
            return  # ignored without a handler
        try:
            self._invoke(self._replay_end_handler, end)
        except Exception as e:  # noqa: BLE001 - a handler's failure is reported, not fatal
            _say(self._id, f"the ReplayEnd handler raised: {e!r}")
            traceback.print_exc(file=sys.stderr)

    def _between_handlers(self) -> None:
        now = time.monotonic()
        if now - self._last_receive < RECEIVE_INTERVAL or self._deferred:
            self._connection.serve_between_handlers()  # other threads' requests, heartbeats
            return
        self._last_receive = now
        self._connection.serve(0)  # the same, and receives
        self._take_received()

    def _take_received(self) -> None:
        """Moves what the connection received into the pending lanes, up to the first thing
        that is not a batch (kept, in order, for after the pending events)."""
        while not self._deferred:
            incoming = self._connection.next(0.0)
            if incoming is None:
                return
            if incoming.kind is Kind.BATCH:
                assert incoming.batch is not None
                self._pending.push(incoming.batch)
            elif incoming.kind is Kind.REPLAY_END:
                assert incoming.replay_end is not None
                self._pending.push_replay_end(incoming.replay_end)  # a marker in the replay lane
            else:
                self._deferred.append(incoming)
