"""plexus.control: plexus-node's control API from Python, exactly as plexusctl speaks it.

    from plexus.control import ControlClient, to_dict

    with ControlClient() as node:              # the runtime dir plexusctl would use
        print(node.status().version)
        for row in node.stats().modules:       # every module's DeliveryStats
            print(row.module_id, row.routed, row.channel_full)

Every query returns the node's protobuf response message (plexus.v1.StatusResponse,
ModulesResponse, StatsResponse, ...: attributes as in proto/plexus/v1/control.proto); to_dict()
and to_json() turn any of them into what `plexusctl --json` prints. tail() yields TailEvent
dataclasses. Errors (plexus.errors): NodeNotRunning (no control socket), ControlTimeout (no
answer in time), ControlRefused (the node answered with an error: .code, .message), and their
base ControlError (an answer that cannot be used). Every wait has a deadline.

Thread rule: a ControlClient (and its TailStreams) belongs to the thread that created it.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, Mapping, Optional, Union

from google.protobuf import json_format
from google.protobuf.message import Message

from plexus._control_socket import (
    ControlSocket,
    PathLike,
    control_pb2,
    control_socket_path,
    default_runtime_dir,
    resolve_runtime_dir,
)
from plexus._control_tail import TailEvent, TailStream
from plexus._pb import EventType, display_name, events_pb2, make_event
from plexus.errors import (
    ControlError,
    ControlRefused,
    ControlTimeout,
    NodeNotRunning,
)

__all__ = [
    "ControlClient",
    "ControlError",
    "ControlRefused",
    "ControlTimeout",
    "NodeNotRunning",
    "TailEvent",
    "TailStream",
    "control_socket_path",
    "default_runtime_dir",
    "to_dict",
    "to_json",
]

def to_dict(message: Message) -> Dict[str, Any]:
    """`message` as `plexusctl --json` prints it: proto field names, every field present,
    64-bit integers as strings, enums by name (json.loads of plexusctl's output == this)."""
    try:
        return json_format.MessageToDict(message, preserving_proto_field_name=True,
                                          including_default_value_fields=True)
    except TypeError:  # protobuf >= 26 renamed the option
        return json_format.MessageToDict(message, preserving_proto_field_name=True,
                                         always_print_fields_with_no_presence=True)


def to_json(message: Message) -> str:
    """to_dict(message) as one line of compact JSON (keys may come in another order than
    plexusctl's)."""
    return json.dumps(to_dict(message), separators=(",", ":"))


def _event_type(event_type: Union[int, str]) -> int:
    """EventType.NEW_BLOCK, 2, "NEW_BLOCK" or "NewBlock" -> the number."""
    if isinstance(event_type, str):
        for member in EventType:
            if event_type in (member.name, display_name(member)):
                return int(member)
        raise ValueError(f"unknown event type {event_type!r}")
    return int(event_type)


def _build_event(event_type: Optional[Union[int, str]],
                 payload: Union[Mapping[str, Any], Message, None]) -> events_pb2.Event:
    if isinstance(payload, events_pb2.Event):
        event = events_pb2.Event()
        event.CopyFrom(payload)
        if event_type is not None:
            event.type = _event_type(event_type)
        return event
    if isinstance(payload, Message):
        event = make_event(payload)
        if event_type is not None:
            event.type = _event_type(event_type)  # a mismatch is the node's to refuse
        return event
    if event_type is None:
        raise ValueError("publish() needs an event type unless it is given an Event or payload")
    number = _event_type(event_type)
    event = events_pb2.Event(type=number)
    field = events_pb2.Event.DESCRIPTOR.fields_by_number.get(100 + number)
    if field is None or field.message_type is None:
        raise ValueError(f"events.proto has no payload field for {display_name(number)}")
    target = getattr(event, field.name)
    target.SetInParent()  # an empty payload is still the right payload
    try:  # strict, as plexusctl: unknown fields are errors
        json_format.ParseDict(dict(payload or {}), target)
    except json_format.ParseError as e:
        raise ValueError(f"invalid payload for {display_name(number)} "
                         f"({field.message_type.name}): {e}") from None
    return event


class ControlClient:
    """A connection to plexus-node's control socket, <runtime dir>/control.sock.

    `runtime_dir`: the node's runtime dir (plexusctl --runtime-dir); None: $XDG_RUNTIME_DIR/plexus,
    else /tmp/plexus-$UID, as plexusctl. `timeout`: seconds each request may wait for its
    answer (plexusctl --timeout; default 5 s). Connects on the
    first request; close() (or leaving the `with` block) closes the socket and any open tail.
    """

    def __init__(self, runtime_dir: Optional[PathLike] = None, timeout: float = 5.0) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.runtime_dir = resolve_runtime_dir(runtime_dir)
        self.socket_path = control_socket_path(self.runtime_dir)
        self.timeout = timeout
        self._socket = ControlSocket(self.socket_path)
        self._tail: Optional[TailStream] = None

    def __enter__(self) -> "ControlClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stops open tails (TailStop) and closes the socket; idempotent."""
        if self._tail is not None:
            self._tail.close()
            self._tail = None
        self._socket.close()

    # -- one request, one answer ---------------------------------------------------------------

    def request(self, request: control_pb2.ControlRequest, expected: str,
                timeout: Optional[float] = None) -> Any:
        """Sends any ControlRequest and returns the body `expected` of its answer (e.g.
        "status"). NodeNotRunning, ControlTimeout, ControlRefused, or ControlError for another
        body."""
        response = self._socket.call(request, self.timeout if timeout is None else timeout)
        return self._body(response, expected)

    @staticmethod
    def _body(response: control_pb2.ControlResponse, expected: str) -> Any:
        body = response.WhichOneof("body")
        if body == "error":
            raise ControlRefused(response.error.code, response.error.message)
        if body != expected:
            raise ControlError(f"unexpected answer from the node: {body or 'nothing'} "
                               f"instead of {expected}")
        return getattr(response, expected)

    def status(self) -> control_pb2.StatusResponse:
        """`plexusctl status`: version, protocol, pid, uptime, runtime dir, module counts,
        events published and sent."""
        request = control_pb2.ControlRequest()
        request.status.SetInParent()
        return self.request(request, "status")

    def modules(self) -> control_pb2.ModulesResponse:
        """`plexusctl modules`: .modules, one ModuleInfo per module (state, pid, restarts,
        health, ...)."""
        request = control_pb2.ControlRequest()
        request.modules.SetInParent()
        return self.request(request, "modules")

    def stats(self, module_id: str = "", reset: bool = False) -> control_pb2.StatsResponse:
        """`plexusctl stats [MODULE] [--reset]`: .modules, the DeliveryStats of every module (and
        live tail session), or of `module_id` (ControlRefused NOT_FOUND for one without
        statistics). reset=True zeroes the counters after reading: the answer holds the values
        after the reset."""
        request = control_pb2.ControlRequest()
        request.stats.module_id = module_id
        request.stats.reset = reset
        return self.request(request, "stats")

    def subscribers(self, event_type: Union[int, str]) -> control_pb2.SubscribersResponse:
        """`plexusctl subscribers TYPE`: .module_ids subscribed to the type, .filters (same
        order, "" unfiltered) and .stopping_module_ids."""
        request = control_pb2.ControlRequest()
        request.subscribers.type = _event_type(event_type)
        return self.request(request, "subscribers")

    def cursors(self, delete_module: str = "") -> control_pb2.CursorsResponse:
        """`plexusctl cursors [--delete MODULE]`: the durable modules' journal cursors; with
        delete_module, forgets that module's cursor. ControlRefused UNAVAILABLE without a
        journal."""
        request = control_pb2.ControlRequest()
        request.cursors.delete_module = delete_module
        return self.request(request, "cursors")

    def journal_read(self, from_offset: int = 0, since_unix_ms: int = 0,
                     types: Iterable[Union[int, str]] = (), count: int = 0,
                     to_offset: int = 0) -> control_pb2.JournalReadResponse:
        """One page of `plexusctl journal read`: .entries (events, each a serialized Event in
        .event, and holes) in offset order, .next_offset to continue from, .more. Exactly one
        of from_offset and since_unix_ms; count 0 = 100, at most 10000."""
        request = control_pb2.ControlRequest()
        body = request.journal_read
        body.from_offset = from_offset
        body.since_unix_ms = since_unix_ms
        body.types.extend(_event_type(t) for t in types)
        body.count = count
        body.to_offset = to_offset
        return self.request(request, "journal_read")

    def publish(self, event_type: Optional[Union[int, str]] = None,
                payload: Union[Mapping[str, Any], Message, None] = None, count: int = 1,
                timeout: Optional[float] = None) -> control_pb2.OperatorPublishResponse:
        """`plexusctl publish TYPE --payload JSON --count N`: publishes `count` events as the
        operator and returns the node's OperatorPublishResponse: published, routed, accepted,
        dropped, failed, timed_out, modules. `payload`: a dict of the payload's fields (as
        --payload's JSON), a payload message (events_pb2.NewBlock(...)) or a whole Event.

        A publish stops at the first event some block-policy subscriber did not take: the
        answer then lists them in .missed (plexusctl exits 1); check `if answer.missed`. An
        event the node published nothing of (the journal made no room for it in time, a type
        durable modules subscribe to) is not counted in .published: .unpublished is 1 and
        .missed names the durable modules; publish it again. The
        node reports progress while it publishes, and each report restarts the `timeout`, so
        a long publish never outlasts it silently. ValueError for a payload that does not fit
        the type (before anything is sent); ControlRefused for what the node refuses
        (host-only type PERMISSION_DENIED, payload not matching the type INVALID_ARGUMENT).
        """
        wait = self.timeout if timeout is None else timeout
        request = control_pb2.ControlRequest()
        request.publish.event.CopyFrom(_build_event(event_type, payload))
        request.publish.count = count
        # plexusctl's progressInterval: timeout / 4, within [10 ms, 1 s].
        request.publish.progress_interval_ms = int(min(1000, max(10, wait * 1000 / 4)))
        response = self._socket.call(request, wait)
        while response.WhichOneof("body") == "publish_progress":
            response = self._socket.wait_for(response.correlation_id, wait,
                                             "answer or report progress")
        return self._body(response, "publish")

    # -- the live stream -------------------------------------------------------------------------

    def tail(self, types: Iterable[Union[int, str]] = (), filter: str = "",
             count: Optional[int] = None, idle_timeout: Optional[float] = None) -> TailStream:
        """`plexusctl tail [--type T]... [--filter EXPR] [--count N]`: a TailStream yielding
        TailEvents as they happen, best used as `with client.tail(...) as events: for e in
        events: ...`. It ends after `count` events, after `idle_timeout` seconds without one
        (None: never), after NodeShutdownCompleted (when tailed), or at close(), which sends
        TailStop and waits for the node to confirm. Empty `types`: every type. One tail per
        client: a new tail() closes the previous one; other requests on the client meanwhile
        keep the tail's events for it.

        Checks first, within the timeout, that the node answers (a socket left behind by a
        killed node accepts the subscription silently); while the tail is quiet, a node that
        stops answering for twice the timeout raises ControlTimeout. The node refusing the tail
        (a bad filter, a filter without types) raises ControlRefused from the first next()."""
        numbers = [_event_type(t) for t in types]
        if self._tail is not None:
            self._tail.close()  # the node ends a connection's session at its next TailRequest
            self._tail = None
        status = self.status()  # the probe: NodeNotRunning / ControlTimeout here, not later
        if filter and status.protocol_version and not _speaks_filters(status.protocol_version):
            raise ControlError(f"tail filters need a node speaking protocol 1.2; this one "
                               f"speaks {status.protocol_version}")
        request = control_pb2.ControlRequest()
        request.tail.types.extend(numbers)
        request.tail.filter = filter
        correlation = self._socket.send(request)
        self._tail = TailStream(self._socket, correlation, self.timeout, count, idle_timeout)
        return self._tail


def _speaks_filters(version: str) -> bool:
    try:
        major, minor = (int(part) for part in version.split(".")[:2])
    except ValueError:
        return True
    return major > 1 or (major == 1 and minor >= 2)
