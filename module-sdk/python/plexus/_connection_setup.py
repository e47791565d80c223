"""ConnectionSetup: the part of Connection (_connection.py) that opens its socket and
handshakes, at the start and, for a remote (tcp://) module, again after a lost connection
(reconnect(), with backoff). A mixin: it works on Connection's own attributes.
Thread rule: Connection's: the owner's methods, run on the owner's thread.
"""

from __future__ import annotations

import sys
import time

import zmq

from plexus import _handshake, _remote
from plexus._pb import wire_pb2
from plexus._remote import RetryableConnectError
from plexus._wire import Kind
from plexus.errors import ConnectError


class ConnectionSetup:
    def _attempt(self, deadline: float) -> wire_pb2.HandshakeAck:
        """A new socket, the ZeroMQ handshake, the Plexus handshake."""
        self._close_socket()
        socket = self._socket = self._context.socket(zmq.DEALER)
        if self._keys is not None:
            _remote.configure_remote_dealer(socket, self.options.module_id, self._keys,
                                            self._heartbeat)
        else:
            _handshake.configure_dealer(socket, self.options)
        self._monitor = socket.get_monitor_socket(_handshake.MONITOR_EVENTS)
        socket.connect(self.options.endpoint)
        public_key = self._keys.public_key if self._keys is not None else ""
        _handshake.wait_authenticated(self._monitor, self.options, deadline, public_key)
        return _handshake.plexus_handshake(socket, self._monitor, self.options, deadline)

    def _handshaken(self) -> None:
        self.minor = self.handshake.negotiated_minor
        self._heartbeat = (self.handshake.heartbeat_interval_ms or 1000) / 1000.0

    def _make_poller(self) -> None:
        self._poller = zmq.Poller()
        self._poller.register(self._socket, zmq.POLLIN)
        self._poller.register(self._monitor, zmq.POLLIN)
        self._poller.register(self._wake_r, zmq.POLLIN)

    def productive(self) -> None:
        """Owner: the connection did its work (handshake and subscription): backoff starts over."""
        self._backoff.reset()

    def reconnect(self) -> bool:
        """Owner, a remote connection that was lost (HOST_LOST taken): waits the backoff, opens a
        new socket and handshakes, again until it succeeds (True), stop() is called (False, with
        STOP ready), or the node refuses for good (ConnectError)."""
        while True:
            delay = self._backoff.next()
            print(f"plexus-sdk: module '{self.options.module_id}': reconnecting to "
                  f"{self.options.endpoint} in {int(delay * 1000)} ms", file=sys.stderr, flush=True)
            if not self._wait_unless_stopped(delay):
                return False
            try:
                handshake = self._attempt(time.monotonic() + self.options.timeout)
            except RetryableConnectError as e:
                print(f"plexus-sdk: {e}", file=sys.stderr, flush=True)
                continue
            except zmq.ZMQError as e:
                raise ConnectError(f"cannot connect to plexus-node: {e}") from e
            if self._stop_requested():
                return False
            self.handshake = handshake
            self._handshaken()
            self._make_poller()
            self._outbox.clear()
            self._last_sent = time.monotonic()
            self.lost = False
            print(f"plexus-sdk: module '{self.options.module_id}': reconnected, incarnation "
                  f"{handshake.incarnation}", file=sys.stderr, flush=True)
            return True

    def _stop_requested(self) -> bool:
        self._take_commands()  # sends are dropped while lost; a stop() goes to _ready
        return any(item.kind is Kind.STOP for item in self._ready)

    def _wait_unless_stopped(self, delay: float) -> bool:
        deadline = time.monotonic() + delay
        while True:
            self._drain_wakes()
            if self._stop_requested():
                return False
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            self._lost_poller.poll(left * 1000)
