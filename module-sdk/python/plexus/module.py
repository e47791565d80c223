"""Module: a Plexus module's connection to plexus-node, its handlers and its run loop.

    import sys, plexus
    from plexus import EventType

    module = plexus.Module.from_environment()      # connects, authenticates, handshakes

    @module.on(EventType.NEW_BLOCK)
    def on_block(d: plexus.Delivery) -> None:
        print(d.event.new_block.height, d.sequence, d.dropped_before, flush=True)

    sys.exit(module.run())                         # 0 after NodeShutdown, unload or stop()

Threads: while run() runs, its thread owns the socket: it reads the events, runs the handlers
one at a time, and sends the acks and heartbeats itself. Before run(), the SDK's I/O thread
serves the socket (heartbeats, publish(), stats(), replay()). publish(), stats(), replay() and
stop() may be called from any thread, handlers included (a handler's publish() reads the socket
itself until the answer comes, keeping the events that arrive meanwhile for after the handler).
run() closes the connection when it returns.
"""

from __future__ import annotations

import asyncio
import atexit
import inspect
import os
import re
import threading
from types import MappingProxyType
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, TypeVar, Union

from google.protobuf.message import Message

from plexus._connection import Connection
from plexus._environment import ENV_ENDPOINT, ENV_MODULE_ID, read_token
from plexus._handshake import ConnectOptions, remote_options
from plexus._io_thread import IoThread
from plexus._remote import is_remote
from plexus._pb import (
    DeliveryStats,
    Event,
    EventType,
    PublishResponse,
    ReplayEnd,
    ReplayResponse,
    make_event,
    wire_pb2,
)
from plexus._replay import Since, replay_request
from plexus._run_loop import RunLoop
from plexus._version import MINOR_REPLAY
from plexus.delivery import Delivery
from plexus.errors import ConnectError, PublishError, RequestError

REQUEST_TIMEOUT = 60.0
_MODULE_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")

Handler = Callable[[Delivery], Any]  # a function, or an async function
H = TypeVar("H", bound=Handler)
ReplayEndHandler = Callable[[ReplayEnd], Any]  # a function, or an async function
R = TypeVar("R", bound=ReplayEndHandler)
S = TypeVar("S", bound=Callable[[], Any])


class Module:
    """Use Module.from_environment() (or Module.connect() with explicit options)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._io: Optional[IoThread] = IoThread(connection)
        self._settings: Mapping[str, str] = MappingProxyType(dict(connection.handshake.settings))
        self._handlers: Dict[int, Handler] = {}
        self._replay_end_handler: Optional[ReplayEndHandler] = None
        self._before_ack: Optional[Callable[[], Any]] = None
        self._filters: Dict[int, str] = {}
        self._refused: Dict[int, str] = {}
        self._decode_errors = 0
        self._run_loop: Optional[RunLoop] = None  # while run() runs: counts decode errors
        self._lock = threading.Lock()
        self._state = "idle"  # idle -> running -> closed
        self._async_loop: Optional[asyncio.AbstractEventLoop] = None
        self._private_loop: Optional[asyncio.AbstractEventLoop] = None
        atexit.register(self.close)

    # ---- connecting ----
    @classmethod
    def from_environment(cls, name: str = "", version: str = "", timeout: float = 10.0) -> "Module":
        """The spawn contract: PLEXUS_MODULE_ID and PLEXUS_ENDPOINT from the environment, the
        token as one line on stdin. For a tcp:// PLEXUS_ENDPOINT (a remote module) nothing is
        read from stdin: PLEXUS_SERVER_KEY (the node's Z85 public key) and
        PLEXUS_SECRET_KEY_FILE (the module's secret key file, mode 0600) instead. Raises
        ConnectError with a clear message."""
        module_id = os.environ.get(ENV_MODULE_ID, "")
        endpoint = os.environ.get(ENV_ENDPOINT, "")
        if not module_id or not endpoint:
            raise ConnectError(
                f"{ENV_MODULE_ID} and {ENV_ENDPOINT} are not set: a module is started by "
                "plexus-node (add it to the node's configuration or use `plexusctl load`)"
            )
        if is_remote(endpoint):  # started by whoever runs it, not by the node: no token
            return cls.connect(remote_options(module_id, endpoint, name, version, timeout))
        token = read_token(timeout)
        return cls.connect(ConnectOptions(module_id, endpoint, token, name, version, timeout=timeout))

    @classmethod
    def connect(cls, options: ConnectOptions) -> "Module":
        if not _MODULE_ID.fullmatch(options.module_id) or options.module_id in ("host", "operator"):
            raise ConnectError(
                f"invalid module id '{options.module_id}': must match [a-z0-9][a-z0-9_-]{{0,63}} "
                "and not be 'host' or 'operator'"
            )
        return cls(Connection(options))

    # ---- what the node said ----
    @property
    def id(self) -> str:
        return self._connection.options.module_id

    @property
    def incarnation(self) -> int:
        return self._connection.handshake.incarnation

    @property
    def channel_capacity(self) -> int:
        """Event-lane slots: events delivered and not yet acked."""
        return self._connection.handshake.channel_capacity

    @property
    def critical_capacity(self) -> int:
        return self._connection.handshake.critical_capacity

    @property
    def replay_capacity(self) -> int:
        """Replay-lane slots (since 1.5; 0 below it, or when the node journals nothing)."""
        if self._connection.minor < MINOR_REPLAY:
            return 0
        return self._connection.handshake.replay_capacity

    @property
    def protocol_minor(self) -> int:
        """The minor the node answered with: min(node's, this SDK's)."""
        return self._connection.minor

    @property
    def node_version(self) -> str:
        return self._connection.handshake.node.version

    @property
    def node_name(self) -> str:
        """The node's node_name (origin.node of what it stamps); "" from an older node."""
        return self._connection.handshake.node.name

    @property
    def settings(self) -> Mapping[str, str]:
        """The module's settings from the node's configuration (read-only)."""
        return self._settings

    def setting(self, key: str, default: str = "") -> str:
        return self._settings.get(key, default)

    @property
    def refused(self) -> Mapping[int, str]:
        """Types the node's SubscribeAck refused (EventType -> why); filled by run()."""
        return MappingProxyType(self._refused)

    @property
    def local_decode_errors(self) -> int:
        """Events whose body could not be decoded (acknowledged and skipped); any thread, also
        while run() runs (as the C++ SDK's localDecodeErrors())."""
        loop = self._run_loop
        return loop.decode_errors if loop is not None else self._decode_errors

    # ---- handlers ----
    def on(self, event_type: int, handler: Optional[H] = None, *, filter: str = "") -> Any:
        """Registers the handler of a type (replacing an earlier one), before run(). As a
        decorator: @module.on(EventType.NEW_BLOCK, filter="height > 10"). `filter` is a content
        filter (docs/filters.md); if the node refuses it, that type alone is not subscribed and
        run() says why on stderr (and in `refused`). A handler may be an async function."""
        try:
            event_type = EventType(event_type)
        except ValueError:
            raise ValueError(f"Module.on: {event_type} is not an event type") from None
        if event_type == EventType.UNSPECIFIED:
            raise ValueError("Module.on: EventType.UNSPECIFIED is not an event type")

        def register(function: H) -> H:
            if self._state != "idle":
                raise RuntimeError("Module.on: register handlers before run()")
            self._handlers[event_type] = function
            self._filters[event_type] = filter
            return function

        return register(handler) if handler is not None else register

    def on_replay_end(self, handler: Optional[R] = None) -> Any:
        """Registers the handler of ReplayEnd (replacing an earlier one), before run(); also as a
        decorator (@module.on_replay_end). It runs on the run() thread with the ReplayEnd (what
        was sent, holes, trimmed), after the handlers of every replay event received before it.
        Without one, a ReplayEnd is ignored. It may be an async function."""

        return self._registrar("on_replay_end", "_replay_end_handler", handler)

    def before_ack(self, settle: Optional[S] = None) -> Any:
        """Registers a function (a plain one) the run() thread calls before it acknowledges
        handled events (each lane's ack at half its window, the idle ack, the last acks before
        run() returns), replacing an earlier one; before run(), or as a decorator. A durable
        module's cursor moves with those acks, so a handler that hands its work off (a write
        awaiting a remote store) may return at once if this function completes that work: what
        it lets pass is acknowledged. What it raises is reported on stderr and the acks go out."""

        return self._registrar("before_ack", "_before_ack", settle)

    def _registrar(self, method: str, attribute: str, function: Optional[Callable]) -> Any:
        """Sets `attribute` to `function` (before run()), or returns the decorator that does."""

        def register(given: Callable) -> Callable:
            if self._state != "idle":
                raise RuntimeError(f"Module.{method}: register the function before run()")
            setattr(self, attribute, given)
            return given

        return register(function) if function is not None else register

    # ---- running ----
    def run(self) -> int:
        """Subscribes to every handler's type (one Subscribe), then dispatches until the node
        shuts down, unloads the module, or stop() is called: returns 0. 1 if the node refused
        the subscription, 2 if the connection was lost. Closes the connection when it returns."""
        with self._lock:
            if self._state != "idle":
                raise RuntimeError(f"Module.run: the module is {self._state}")
            self._state = "running"
        io = self._io
        assert io is not None
        io.park()  # this thread reads the socket now
        loop = RunLoop(
            self._connection,
            self.id,
            self._handlers,
            self._invoke,
            self._replay_end_handler,
            self._before_ack,
        )
        loop.refused = self._refused
        self._run_loop = loop
        try:
            return loop.run(self._filters)
        finally:
            self._decode_errors = loop.decode_errors
            self._run_loop = None
            if not loop.said_goodbye:  # a handler raised BaseException (SystemExit, ...)
                self._goodbye("module closed")
            self._shut(io)

    async def run_async(self) -> int:
        """run() on a thread of the running loop's executor; async handlers run on this loop
        (their credit goes back when they finish), sync handlers on that thread."""
        self._async_loop = asyncio.get_running_loop()
        return await self._async_loop.run_in_executor(None, self.run)

    def stop(self) -> None:
        """Any thread: run() returns 0 once the events already received are handled, and the
        module says Goodbye (the node then expects the process to exit)."""
        if not self._connection.closed:
            self._connection.post_stop()

    def close(self) -> None:
        """Says Goodbye and closes the connection if run() did not (at exit, or `with`)."""
        with self._lock:
            if self._state == "running":
                self.stop()
                return
            if self._state == "closed":
                return
            self._state = "closed"
        if self._io is not None:
            self._connection.post(self._goodbye_envelope("module closed"))
            self._shut(self._io)

    def __enter__(self) -> "Module":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- requests ----
    def publish(self, event: Union[Event, Message]) -> PublishResponse:
        """Any thread. `event`: a plexus.v1.Event, or a payload (e.g. NewBlock(...)) to wrap.
        Returns the node's PublishResponse once every block-policy subscriber took the event;
        for a relay module's event (origin set) that the node took already (same origin node and
        offset), `duplicate` is True and nothing was routed again.
        Raises PublishError: PERMISSION_DENIED (host-only type or not in capabilities.publish),
        INVALID_ARGUMENT (type/payload mismatch), TIMEOUT (a block subscriber did not take it in
        time, or no answer), UNAVAILABLE (a block subscriber is stopping, gone or restarting;
        the connection is lost or closed), RATE_LIMITED; with the node's PublishResponse in
        `response` when a block subscriber did not take it. A TIMEOUT whose `response` is None
        may be an event the node did not publish at all (its journal made no room in time, for a
        type a durable module subscribes to): publish it again."""
        if not isinstance(event, Event):
            event = make_event(event)
        reply = self._connection.request(
            wire_pb2.Request(publish=wire_pb2.PublishRequest(event=event)), REQUEST_TIMEOUT
        )
        if reply.error is not None:
            error = reply.error
            response = error.publish if error.HasField("publish") else None
            raise PublishError(error.code, error.message, response)
        assert reply.response is not None
        return reply.response.publish

    def stats(self) -> DeliveryStats:
        """Any thread: this module's delivery statistics as the node counts them. Raises
        RequestError (TIMEOUT, UNAVAILABLE, ...)."""
        reply = self._connection.request(
            wire_pb2.Request(stats=wire_pb2.StatsRequest()), REQUEST_TIMEOUT
        )
        if reply.error is not None:
            raise RequestError(reply.error.code, reply.error.message)
        assert reply.response is not None
        return reply.response.stats

    def replay(
        self,
        from_offset: int = 0,
        since: Optional[Since] = None,
        until_offset: int = 0,
        types: Iterable[int] = (),
    ) -> ReplayResponse:
        """Any thread, handlers included (since protocol 1.5): asks the node to send journaled
        events again, from `from_offset` (>= 1) or from the first stored at or after `since` (a
        datetime or Unix seconds), one of them, through `until_offset` (0: the last offset handed
        out when asked), of `types` (subscribed and journaled; empty: every such type). Returns
        the node's ReplayResponse (replay_id, through_offset, types) at once; the events follow on
        the replay lane (Delivery.is_replay) through the handlers and filters, then a ReplayEnd
        (on_replay_end). One replay at a time. Raises RequestError: INVALID_ARGUMENT (a bad
        request), ALREADY_EXISTS (a replay runs: wait for its ReplayEnd), UNAVAILABLE (the node
        journals nothing, the connection is lost, or it negotiated a minor below 1.5: then
        nothing is sent), PERMISSION_DENIED, TIMEOUT."""
        request = replay_request(self._connection.minor, from_offset, since, until_offset, types)
        reply = self._connection.request(request, REQUEST_TIMEOUT)
        if reply.error is not None:
            raise RequestError(reply.error.code, reply.error.message)
        assert reply.response is not None
        return reply.response.replay

    async def publish_async(self, event: Union[Event, Message]) -> PublishResponse:
        return await asyncio.get_running_loop().run_in_executor(None, self.publish, event)

    async def stats_async(self) -> DeliveryStats:
        return await asyncio.get_running_loop().run_in_executor(None, self.stats)

    async def replay_async(self, **request: Any) -> ReplayResponse:
        """replay() (same keyword arguments) on a thread of the running loop's executor."""
        call = lambda: self.replay(**request)  # noqa: E731
        return await asyncio.get_running_loop().run_in_executor(None, call)

    # ---- internals ----
    def _invoke(self, handler: Callable[[Any], Any], argument: Any) -> None:
        """Runs a handler with its Delivery (or ReplayEnd), awaiting an async one."""
        result = handler(argument)
        if result is None or not inspect.isawaitable(result):
            return  # None first: a plain handler's, and cheaper than isawaitable's checks
        if self._async_loop is not None and self._async_loop.is_running():
            # On the caller's loop; this thread keeps serving the socket (requests the
            # coroutine posts, heartbeats) until it finishes.
            done = asyncio.run_coroutine_threadsafe(_await(result), self._async_loop)
            done.add_done_callback(lambda _: self._connection.wake())
            while not done.done():
                self._connection.serve(60.0)
            done.result()
            return
        if self._private_loop is None:
            self._private_loop = asyncio.new_event_loop()
        self._private_loop.run_until_complete(_await(result))

    def _goodbye_envelope(self, reason: str) -> wire_pb2.Envelope:
        from plexus._wire import envelope

        return envelope(self._connection.minor, goodbye=wire_pb2.Goodbye(reason=reason))

    def _goodbye(self, reason: str) -> None:
        self._connection.send(self._goodbye_envelope(reason))

    def _shut(self, io: IoThread) -> None:
        """From the connection's owner or a thread that is not the I/O thread: stops the I/O
        thread, sends what is queued and closes the socket (the linger bounds the wait)."""
        io.close()
        self._io = None
        self._state = "closed"
        self._connection.flush_at_close()
        self._connection.close()
        if self._private_loop is not None:
            self._private_loop.close()


async def _await(awaitable: Any) -> Any:
    return await awaitable
