"""FakeNode: the node's end of one module connection, in Python, scripted by a test, for what the
real plexus-node never sends (an event body that does not parse), as tests/module-sdk/fake_node.h
does for the C++ SDK: a ROUTER whose PLAIN credentials (module id, a token made here) pyzmq's
ThreadAuthenticator checks in place of the node's ZAP handler; it answers the module's Handshake
with a HandshakeAck, then sends and receives what the test says. With `curve` (the node's key
pair and the one client public key it admits) it is a remote node instead: a CURVE ROUTER on
tcp://127.0.0.1 (an ephemeral port) that can drop the connection and bind again on that port.
Thread rule: construct it and call every method on one thread (the test's); the module under
test runs on another."""

from __future__ import annotations

import errno
import secrets
import select
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

import zmq
from zmq.auth.thread import ThreadAuthenticator

from plexus import ConnectOptions, Lane, Module, wire_pb2
from plexus._version import PROTOCOL_MAJOR, PROTOCOL_MINOR

# One event to send: (seq, body bytes), on the batch's lane.
FakeEvent = Tuple[int, bytes]


@dataclass
class Curve:
    server_public: bytes
    server_secret: bytes
    client_public: bytes  # the one key the ZAP handler admits


class _OneKey:
    """pyzmq's CURVE credentials provider: admits one public key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def callback(self, domain: str, key: bytes) -> bool:
        return key == self._key  # pyzmq hands it over in Z85


class FakeNode:
    def __init__(self, module_id: str, curve: Optional[Curve] = None) -> None:
        self.module_id = module_id
        self._dir = tempfile.TemporaryDirectory(prefix="pxfake")
        self._curve = curve
        self.endpoint = f"ipc://{Path(self._dir.name) / 'modules.sock'}"
        if curve is not None:
            self.endpoint = "tcp://127.0.0.1:0"
        self._token = secrets.token_hex(32)
        self._context = zmq.Context()
        self._auth = ThreadAuthenticator(self._context)
        self._auth.start()
        if curve is not None:
            self._auth.configure_curve_callback(domain="*", credentials_provider=_OneKey(
                curve.client_public))
        else:
            self._auth.configure_plain(domain="*", passwords={module_id: self._token})
        self._bind()
        self._peer: Optional[bytes] = None

    def _bind(self) -> None:
        self._router = self._context.socket(zmq.ROUTER)
        if self._curve is not None:
            self._router.curve_server = True
            self._router.curve_secretkey = self._curve.server_secret
            self._router.router_handover = 1  # a reconnecting module takes its id over
        else:
            self._router.plain_server = True
        self._router.linger = 0
        # After drop_connection(): libzmq releases the port on its I/O thread, a moment later.
        deadline = time.monotonic() + 10.0
        while True:
            try:
                self._router.bind(self.endpoint)
                break
            except zmq.ZMQError as e:
                if e.errno != errno.EADDRINUSE or time.monotonic() >= deadline:
                    raise
                time.sleep(0.005)  # polls the port's release
        self.endpoint = self._router.getsockopt_string(zmq.LAST_ENDPOINT)

    def drop_connection(self, rebind: bool = True) -> None:
        """Remote mode: closes the ROUTER (the module's connection drops) and binds a new one on
        the same port, at once or (`rebind` False) never."""
        self._router.close(0)
        if rebind:
            self._bind()

    def options(self, timeout: float = 10.0) -> ConnectOptions:
        options = ConnectOptions(self.module_id, self.endpoint, self._token, timeout=timeout)
        if self._curve is not None:
            options.server_key = self._curve.server_public.decode()
        return options

    def accept_handshake(self, capacity: int, timeout: float = 10.0,
                         heartbeat_ms: int = 1000, incarnation: int = 1) -> None:
        """Answers the module's Handshake (AssertionError if none comes within `timeout`)."""
        envelope = self.receive(timeout)
        assert envelope is not None and envelope.HasField("handshake"), envelope
        self.send(wire_pb2.Envelope(handshake_ack=wire_pb2.HandshakeAck(
            negotiated_minor=PROTOCOL_MINOR, channel_capacity=capacity, critical_capacity=4,
            heartbeat_interval_ms=heartbeat_ms, incarnation=incarnation)))

    def refuse_handshake(self, code: int, timeout: float = 10.0) -> None:
        """Answers the module's Handshake with an Error of `code`."""
        envelope = self.receive(timeout)
        assert envelope is not None and envelope.HasField("handshake"), envelope
        self.send(wire_pb2.Envelope(error=wire_pb2.Error(code=code, message="refused by the fake")))

    def receive(self, timeout: float) -> Optional[wire_pb2.Envelope]:
        """The module's next envelope other than a Heartbeat; None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self._router.poll(left * 1000):
                return None
            frames = self._router.recv_multipart()
            self._peer = frames[0]
            envelope = wire_pb2.Envelope.FromString(frames[1])
            if not envelope.HasField("heartbeat"):
                return envelope

    def accept_subscribe(self, timeout: float = 10.0) -> wire_pb2.Subscribe:
        """Answers the module's Subscribe with a SubscribeAck (AssertionError if none comes)."""
        envelope = self.receive(timeout)
        assert envelope is not None and envelope.HasField("subscribe"), envelope
        self.send(wire_pb2.Envelope(subscribe_ack=wire_pb2.SubscribeAck()))
        return envelope.subscribe

    def receive_ack(self, through_seq: int, timeout: float = 10.0) -> None:
        """Waits for the event lane's Ack through `through_seq` (AssertionError otherwise)."""
        deadline = time.monotonic() + timeout
        while True:
            envelope = self.receive(max(0.0, deadline - time.monotonic()))
            assert envelope is not None, f"no Ack through {through_seq} within {timeout} s"
            if envelope.HasField("ack") and envelope.ack.through_seq >= through_seq:
                assert envelope.ack.through_seq == through_seq, envelope
                return

    def send(self, envelope: wire_pb2.Envelope, bodies: Sequence[bytes] = ()) -> None:
        assert self._peer is not None, "no module connected yet"
        envelope.protocol_major, envelope.protocol_minor = PROTOCOL_MAJOR, PROTOCOL_MINOR
        self._router.send_multipart([self._peer, envelope.SerializeToString(), *bodies])

    def send_batch(self, events: List[FakeEvent], lane: int = Lane.EVENT) -> None:
        """An unpacked batch: one frame per body, sent as given (parsable or not)."""
        batch = wire_pb2.EventBatch(lane=lane, packed=False)
        for seq, body in events:
            batch.events.add(seq=seq, size=len(body))
        self.send(wire_pb2.Envelope(event_batch=batch), [body for _, body in events])

    def close(self) -> None:
        self._router.close(0)
        self._auth.stop()
        self._context.term()
        self._dir.cleanup()


class ModuleThread:
    """A module connected to `fake` on a thread of its own: `setup(module)` registers its
    handlers, then run(); `outcome` holds run()'s status or what it raised, `modules` the Module
    once connected. stop() ends it (stop() then join, a bounded wait)."""

    def __init__(self, fake: FakeNode, setup: Callable[[Module], None],
                 options: Optional[ConnectOptions] = None) -> None:
        self.outcome: List[object] = []
        self.modules: List[Module] = []

        def main() -> None:
            try:
                module = Module.connect(options or fake.options())
                self.modules.append(module)
                setup(module)
                self.outcome.append(module.run())
            except BaseException as e:  # noqa: BLE001 - reported by the test
                self.outcome.append(e)

        self._thread = threading.Thread(target=main, daemon=True)
        self._thread.start()

    def join(self, timeout: float = 10.0) -> None:
        self._thread.join(timeout)

    def stop(self) -> None:
        for module in self.modules:
            module.stop()
        self._thread.join(10.0)


class TcpRelay:
    """Forwards TCP connections from a port of its own on 127.0.0.1 to `target_port` until
    freeze(): then the connections it holds stay open but pass nothing (a node that stopped, a
    cut cable); later connections are forwarded again. As tests/module-sdk/tcp_relay.h.
    Thread rule: a thread of its own moves the bytes; freeze() and close() from the test's."""

    def __init__(self, target_port: int) -> None:
        self._target = target_port
        self._listen = socket.create_server(("127.0.0.1", 0))
        self.port = self._listen.getsockname()[1]
        self._pairs: List[Tuple[socket.socket, socket.socket]] = []
        self._frozen: List[socket.socket] = []
        self._freeze = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def freeze(self) -> None:
        self._freeze.set()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10.0)
        for sock in [self._listen, *self._frozen, *(s for pair in self._pairs for s in pair)]:
            sock.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._freeze.is_set():
                self._freeze.clear()
                self._frozen += [s for pair in self._pairs for s in pair]
                self._pairs = []
            peers = {}
            for a, b in self._pairs:
                peers[a], peers[b] = b, a
            ready, _, _ = select.select([self._listen, *peers], [], [], 0.02)
            for sock in ready:
                if sock is self._listen:
                    client, _ = self._listen.accept()
                    self._pairs.append((client, socket.create_connection(("127.0.0.1",
                                                                          self._target))))
                    continue
                data = sock.recv(65536)
                if data:
                    peers[sock].sendall(data)
                    continue
                self._pairs = [p for p in self._pairs if sock not in p]
                sock.close()
                peers[sock].close()
