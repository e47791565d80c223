"""Connection: the module's DEALER socket to plexus-node and everything on it: the handshake,
the order of what goes out, heartbeats while idle, the replies to requests, and what the run()
loop acts on (batches, ReplayEnds, SubscribeAck, goodbyes), which waits in a queue until the
owner takes it.

Thread rule (as the C++ SDK's connection.h): one thread at a time owns the connection: the one
that constructs it, then the I/O thread (_io_thread.py), then the thread in Module.run() while
run() runs, then the I/O thread again. Ownership moves only through hand_over() then
take_over() on the next owner, with a lock hand-over in between. post(), post_stop(), wake()
and request() may be called from any thread: the owner serves them. A request() from the owner
itself (a handler publishing) serves the socket until its answer comes, keeping what else
arrives for later. A remote (tcp://) connection authenticates with CURVE instead of the token,
and its owner may reconnect() it after a loss: a new socket, handshake and incarnation.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future
from typing import Deque, Dict, List, Optional

import zmq
from zmq.utils.monitor import recv_monitor_message

from plexus import _handshake, _remote, _wire
from plexus._pb import ErrorCode, wire_pb2
from plexus._connection_setup import ConnectionSetup
from plexus._remote import RetryableConnectError
from plexus._wire import Incoming, Kind, Reply
from plexus.errors import ConnectError

_STOP = object()  # posted by post_stop()
_WAKE = object()  # posted by wake(): a command, so a wake-up is never lost with the pipe's byte


class Connection(ConnectionSetup):
    def __init__(self, options: _handshake.ConnectOptions) -> None:
        self.options = options
        self.remote = _remote.is_remote(options.endpoint)
        self._keys = _remote.resolve_keys(options) if self.remote else None
        self._backoff = _remote.Backoff()
        self._heartbeat = 1.0  # until a HandshakeAck says (a remote socket's ZMTP heartbeats)
        self._context = zmq.Context(1)
        self._socket: Optional[zmq.Socket] = None
        self._monitor: Optional[zmq.Socket] = None
        self._owner: Optional[int] = threading.get_ident()
        deadline = time.monotonic() + options.timeout
        last_answer = ""  # the node's last UNAVAILABLE, kept for an attempt that then times out
        while True:
            try:
                self.handshake: wire_pb2.HandshakeAck = self._attempt(deadline)
                break
            except RetryableConnectError as e:
                # A remote module tries again within its timeout (the node may still hold its
                # previous connection); a local one was spawned for this very connection.
                if e.answered:
                    last_answer = str(e)
                delay = self._backoff.next()
                if not self.remote or time.monotonic() + delay >= deadline:
                    self._close_sockets()
                    if e.answered or not last_answer:
                        raise ConnectError(str(e)) from None
                    raise ConnectError(f"{e}; the node's last answer: {last_answer}") from None
                print(f"plexus-sdk: {e}; trying again", file=sys.stderr, flush=True)
                time.sleep(delay)  # the backoff itself: nobody can stop() a module not made yet
            except ConnectError:
                self._close_sockets()
                raise
            except zmq.ZMQError as e:
                self._close_sockets()
                raise ConnectError(f"cannot connect to plexus-node at {options.endpoint}: {e}") from e
        self._handshaken()
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        # envelopes (bytes), _STOP or _WAKE, from any thread
        self._commands: Deque[object] = deque()
        self._requests: Dict[int, Future] = {}
        self._requests_lock = threading.Lock()
        self._next_correlation = 1
        self.lost = False
        self.closed = False
        # Owner only.
        self._outbox: Deque[bytes] = deque()
        self._ready: Deque[Incoming] = deque()
        self._replies_received = 0  # Responses and Errors with a correlation id (owner only)
        self._woken = False  # a wake() was taken in this serve() round (owner only)
        self._last_sent = time.monotonic()
        self._lost_poller = zmq.Poller()  # once lost, only other threads can wake the owner
        self._lost_poller.register(self._wake_r, zmq.POLLIN)
        self._make_poller()

    # ---- ownership ----
    def hand_over(self) -> None:
        self._owner = None

    def take_over(self) -> None:
        self._owner = threading.get_ident()

    def on_owner_thread(self) -> bool:
        return self._owner == threading.get_ident()

    # ---- any thread ----
    def post(self, env: wire_pb2.Envelope) -> None:
        self._commands.append(env.SerializeToString())
        self._signal()

    def post_stop(self) -> None:
        self._commands.append(_STOP)
        self._signal()

    def wake(self) -> None:
        """The owner returns from serve(): now if it is waiting, else at the end of its round.
        The command is what serve() looks at after draining the pipe (a byte written before the
        drain is gone with it; the command stays until _take_commands)."""
        self._commands.append(_WAKE)
        self._signal()

    def _signal(self) -> None:
        if self.closed:
            return
        try:
            os.write(self._wake_w, b"x")
        except (BlockingIOError, OSError):
            pass  # the pipe is full (the owner wakes anyway) or closed

    def request(self, request: wire_pb2.Request, timeout: float) -> Reply:
        """Sends a request; returns its Reply (a Response or an Error), or raises
        RequestError-like tuples through Reply.error: TIMEOUT, UNAVAILABLE when lost/closed."""
        if self.lost or self.closed:
            return _error_reply(ErrorCode.UNAVAILABLE, self._gone_reason())
        answer: Future = Future()
        with self._requests_lock:
            correlation_id = self._next_correlation
            self._next_correlation += 1
            self._requests[correlation_id] = answer
        request.correlation_id = correlation_id
        env = _wire.envelope(self.minor, request=request)
        deadline = time.monotonic() + timeout
        if self.on_owner_thread():
            # A handler asking: nobody else reads the socket, so this thread does until the
            # answer comes. Events that arrive meanwhile wait in _ready; the credit bounds them.
            self.send(env)
            while not answer.done():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.serve(left)
        else:
            self.post(env)
            try:
                answer.result(timeout)
            except Exception:  # noqa: BLE001 - concurrent.futures.TimeoutError
                pass
        if not answer.done():
            with self._requests_lock:
                self._requests.pop(correlation_id, None)
            return _error_reply(
                ErrorCode.TIMEOUT, f"no answer from plexus-node within {int(timeout * 1000)} ms"
            )
        return answer.result()

    # ---- owner ----
    def send(self, env: wire_pb2.Envelope) -> None:
        if self.lost:
            return
        self._outbox.append(env.SerializeToString())
        self._flush_outbox()

    def serve(self, max_wait: float) -> None:
        """One round: takes what other threads posted, sends, heartbeats if nothing went out for a
        heartbeat interval, receives everything that arrived; then, unless this round brought
        something for the run() loop or a reply, waits up to `max_wait` seconds (less when a
        heartbeat is due) for more."""
        ready_before = len(self._ready)
        replies_before = self._replies_received
        self._woken = False
        self._take_commands()
        self._flush_outbox()
        now = time.monotonic()
        self._heartbeat_if_idle(now)
        self._receive_all()
        self._check_monitor()
        # A reply ends the round too (a handler's request() waits for it in the caller's loop),
        # and so does a wake() taken in it (the I/O thread is asked to park or close).
        if len(self._ready) > ready_before or self._replies_received != replies_before:
            return
        if self._woken:
            return
        if max_wait <= 0:
            return
        # Drained before the last look at the commands: a post() after that look wakes the poll.
        self._drain_wakes()
        if self._commands:
            return
        timeout = min(max_wait, 60.0)
        if not self.lost:
            timeout = min(timeout, max(0.0, self._last_sent + self._heartbeat - time.monotonic()))
        if self._outbox:
            timeout = min(timeout, 0.001)  # retry a full pipe
        (self._lost_poller if self.lost else self._poller).poll(timeout * 1000)

    def serve_between_handlers(self) -> None:
        """Between two handlers: what other threads posted, and a heartbeat if due."""
        if self._commands:
            self._take_commands()
            self._flush_outbox()
        self._heartbeat_if_idle(time.monotonic())

    def next(self, deadline: Optional[float]) -> Optional[Incoming]:
        """The next thing for the run() loop, serving the socket until one comes or `deadline`
        (time.monotonic(); None = no deadline; a past one: only what was received already)."""
        while True:
            if self._ready:
                return self._ready.popleft()
            wait = 60.0 if deadline is None else deadline - time.monotonic()
            if wait <= 0:
                return None
            self.serve(wait)

    def flush_at_close(self) -> None:
        """Sends what is queued (a Goodbye, the last acks) without waiting; LINGER bounds it."""
        self._take_commands()
        self._flush_outbox()

    def close(self) -> None:
        """Owner (or nobody left): closes the socket; what is sent leaves within the linger."""
        if self.closed:
            return
        self.closed = True
        self._fail_requests("the module closed its connection to plexus-node")
        self._close_sockets()
        # The wake pipe stays open: another thread's late wake() must never write to a reused fd.

    # ---- internals ----
    def _gone_reason(self) -> str:
        if self.closed:
            return "the module closed its connection to plexus-node"
        return "the connection to plexus-node is lost"

    def _close_socket(self) -> None:
        if self._socket is None:
            return
        if self._monitor is not None:
            self._socket.disable_monitor()
            self._monitor.close(0)
            self._monitor = None
        if self.remote and getattr(self, "lost", False):
            self._socket.close(0)  # what it holds belongs to a lost connection
        else:
            self._socket.close()
        self._socket = None

    def _close_sockets(self) -> None:
        self._close_socket()
        self._context.term()

    def _drain_wakes(self) -> None:
        try:
            while os.read(self._wake_r, 4096):
                pass
        except BlockingIOError:
            pass

    def _take_commands(self) -> None:
        while self._commands:
            command = self._commands.popleft()
            if command is _STOP:
                self._ready.append(Incoming(Kind.STOP))
            elif command is _WAKE:
                self._woken = True
            elif not self.lost:
                self._outbox.append(command)  # type: ignore[arg-type]

    def _flush_outbox(self) -> None:
        while self._outbox and not self.lost:
            try:
                self._socket.send(self._outbox[0], zmq.NOBLOCK)
            except zmq.Again:
                return
            self._outbox.popleft()
            self._last_sent = time.monotonic()

    def _heartbeat_if_idle(self, now: float) -> None:
        if self.lost or self._outbox or now - self._last_sent < self._heartbeat:
            return
        self._outbox.append(
            _wire.envelope(self.minor, heartbeat=wire_pb2.Heartbeat()).SerializeToString()
        )
        self._flush_outbox()

    def _receive_all(self) -> None:
        while not self.lost:
            try:
                frames: List[bytes] = self._socket.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            self._receive(frames)

    def _receive(self, frames: List[bytes]) -> None:
        try:
            decoded = _wire.decode(frames, self.minor)
        except _wire.Malformed as e:
            print(f"plexus-sdk: ignored a malformed message from plexus-node: {e}", file=sys.stderr)
            return
        if isinstance(decoded, Incoming):
            self._ready.append(decoded)
        elif isinstance(decoded, Reply):
            self._replies_received += 1
            with self._requests_lock:
                answer = self._requests.pop(decoded.correlation_id, None)
            if answer is not None:  # else the caller gave up waiting
                answer.set_result(decoded)

    def _check_monitor(self) -> None:
        # A dead node: PR_SET_PDEATHSIG ends the module at once; the monitor covers a connection
        # that dropped otherwise.
        assert self._monitor is not None
        while not self.lost:
            try:
                event = recv_monitor_message(self._monitor, zmq.NOBLOCK)["event"]
            except zmq.Again:
                return
            if event == zmq.EVENT_DISCONNECTED:
                self._host_lost("the connection to plexus-node is lost")

    def _host_lost(self, why: str) -> None:
        if self.lost:
            return
        self.lost = True
        self._outbox.clear()
        self._fail_requests(why)
        self._ready.append(Incoming(Kind.HOST_LOST, message=why))

    def _fail_requests(self, why: str) -> None:
        with self._requests_lock:
            pending, self._requests = self._requests, {}
        for answer in pending.values():
            answer.set_result(_error_reply(ErrorCode.UNAVAILABLE, why))


def _error_reply(code: int, message: str) -> Reply:
    return Reply(0, error=wire_pb2.Error(code=code, message=message))

