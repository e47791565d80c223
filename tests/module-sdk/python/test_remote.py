"""A remote module (tcp://, CURVE) in Python, against a FakeNode serving CURVE (fake_node.py): it
connects from ConnectOptions and from the environment (PLEXUS_SERVER_KEY,
PLEXUS_SECRET_KEY_FILE; nothing read from stdin); a refused key, missing keys and a secret key
file others can read are ConnectErrors that say why; a lost connection comes back as a new
incarnation with the same subscription, and so does NodeShutdown followed by the node's Goodbye
or the connection's loss (the node may be restarting); a handshake answered UNAVAILABLE is
retried; requests while disconnected are UNAVAILABLE; stop() ends the waiting; the host's Goodbye
of an unload ends run()."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from contextlib import contextmanager
from typing import Iterator, List, Tuple

import pytest
import zmq

from node import BIN, wait_for

sys.path.insert(0, os.environ.get("PLEXUS_PYTHON_DIR") or str(BIN.parent / "python"))

import plexus  # noqa: E402
from plexus import ConnectError, ErrorCode, EventType, Lane, RequestError, events_pb2  # noqa: E402
from plexus import wire_pb2  # noqa: E402

from fake_node import Curve, FakeNode, ModuleThread, TcpRelay  # noqa: E402


def key_pair() -> Tuple[bytes, bytes]:
    return zmq.curve_keypair()


def remote_fake() -> Tuple[FakeNode, bytes]:
    """A remote FakeNode and the secret key of the one module key it admits."""
    server_public, server_secret = key_pair()
    client_public, client_secret = key_pair()
    return FakeNode("remote", Curve(server_public, server_secret, client_public)), client_secret

def remote_options() -> Tuple[FakeNode, plexus.ConnectOptions]:
    """A remote FakeNode and the options of the module it admits (its secret key set)."""
    fake, secret = remote_fake()
    options = fake.options()
    options.secret_key = secret.decode()
    return fake, options


@contextmanager
def running(fake: FakeNode, setup, options) -> Iterator[ModuleThread]:
    """The module run by a ModuleThread against `fake`; both stopped and closed after."""
    runner = ModuleThread(fake, setup, options)
    try:
        yield runner
    finally:
        runner.stop()
        fake.close()


def block(height: int) -> bytes:
    return plexus.make_event(events_pb2.NewBlock(hash="ab", height=height)).SerializeToString()


def shutdown() -> bytes:
    return plexus.make_event(events_pb2.NodeShutdown()).SerializeToString()


def connect_error(attempt) -> str:
    with pytest.raises(ConnectError) as raised:
        attempt()
    return str(raised.value)


@pytest.fixture
def remote_env(monkeypatch):
    def set_env(endpoint: str, server_key: str = "", key_file: str = "") -> None:
        monkeypatch.setenv("PLEXUS_MODULE_ID", "remote")
        monkeypatch.setenv("PLEXUS_ENDPOINT", endpoint)
        for name, value in (("PLEXUS_SERVER_KEY", server_key),
                            ("PLEXUS_SECRET_KEY_FILE", key_file)):
            if value:
                monkeypatch.setenv(name, value)
            else:
                monkeypatch.delenv(name, raising=False)
    return set_env


def write_secret(tmp_path: Path, secret: bytes, mode: int = 0o600) -> str:
    path = tmp_path / "remote.key"
    path.write_text(secret.decode() + "\n")
    path.chmod(mode)
    return str(path)


def unload(fake: FakeNode) -> None:
    """The host's Goodbye of an unload: the module answers with its own and run() returns 0."""
    fake.send(wire_pb2.Envelope(goodbye=wire_pb2.Goodbye(reason="unloaded by operator")))
    goodbye = fake.receive(10.0)
    assert goodbye is not None and goodbye.goodbye.reason == "unloaded", goodbye


def serve_one_session(fake: FakeNode, runner: ModuleThread, incarnation: int = 1) -> None:
    fake.accept_handshake(capacity=8, heartbeat_ms=100, incarnation=incarnation)
    fake.accept_subscribe()
    unload(fake)
    runner.join()
    assert runner.outcome == [0]


def test_connects_over_curve_from_connect_options():
    fake, secret = remote_fake()
    options = fake.options()
    assert options.endpoint.startswith("tcp://127.0.0.1:")
    options.secret_key = secret.decode()
    with running(fake, lambda module: None, options) as runner:
        serve_one_session(fake, runner)


def test_connects_from_the_environment_with_a_secret_key_file(tmp_path, remote_env):
    fake, secret = remote_fake()
    remote_env(fake.endpoint, fake.options().server_key, write_secret(tmp_path, secret))
    modules: List[plexus.Module] = []
    outcome: List[object] = []

    def main() -> None:
        try:
            module = plexus.Module.from_environment()  # a token read would block: none is
            modules.append(module)
            outcome.append(module.run())
        except BaseException as e:  # noqa: BLE001 - reported below
            outcome.append(e)

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    try:
        fake.accept_handshake(capacity=8, heartbeat_ms=100)
        fake.accept_subscribe()
        unload(fake)
        thread.join(10.0)
        assert outcome == [0] and modules[0].id == "remote"
    finally:
        for module in modules:
            module.stop()
        thread.join(10.0)
        fake.close()


def test_a_key_the_node_does_not_know_is_refused():
    fake, _ = remote_fake()
    options = fake.options()
    options.secret_key = key_pair()[1].decode()
    try:
        message = connect_error(lambda: plexus.Module.connect(options))
    finally:
        fake.close()
    assert "the node refused this module's key" in message
    assert "ZAP status 400" in message


def test_a_tcp_endpoint_without_keys_in_the_environment_says_which(remote_env):
    remote_env("tcp://127.0.0.1:9")
    message = connect_error(plexus.Module.from_environment)
    assert "needs PLEXUS_SERVER_KEY (the node's public key) and PLEXUS_SECRET_KEY_FILE" in message


def test_connect_options_without_keys_or_with_a_bad_server_key(remote_env):
    options = plexus.ConnectOptions("remote", "tcp://127.0.0.1:9")
    assert "needs the node's public key" in connect_error(lambda: plexus.Module.connect(options))
    options.server_key = key_pair()[0].decode()
    assert "needs the module's secret key" in connect_error(lambda: plexus.Module.connect(options))
    options.server_key = "not a key"
    options.secret_key = key_pair()[1].decode()
    message = connect_error(lambda: plexus.Module.connect(options))
    assert "the node's public key must be 40 characters of Z85" in message


def test_a_secret_key_file_others_can_read_is_refused(tmp_path, remote_env):
    path = write_secret(tmp_path, key_pair()[1], mode=0o644)
    remote_env("tcp://127.0.0.1:9", key_pair()[0].decode(), path)
    message = connect_error(plexus.Module.from_environment)
    assert path in message and "0644" in message


def test_a_lost_connection_comes_back_as_a_new_incarnation():
    fake, options = remote_options()
    seen: List[Tuple[int, int]] = []
    holder: List[plexus.Module] = []

    def setup(module: plexus.Module) -> None:
        holder.append(module)
        module.on(EventType.NEW_BLOCK,
                  lambda d: seen.append((module.incarnation, d.event.new_block.height)))

    with running(fake, setup, options) as runner:
        fake.accept_handshake(capacity=8, heartbeat_ms=100, incarnation=1)
        first = fake.accept_subscribe()
        fake.send_batch([(1, block(1))])
        fake.receive_ack(1)
        fake.drop_connection()
        fake.accept_handshake(capacity=8, heartbeat_ms=100, incarnation=2)
        second = fake.accept_subscribe()
        assert list(first.types) == list(second.types) == [EventType.NEW_BLOCK]
        fake.send_batch([(1, block(2))])  # sequences start over
        fake.receive_ack(1)
        assert seen == [(1, 1), (2, 2)]
        fake.send(wire_pb2.Envelope(goodbye=wire_pb2.Goodbye(reason="unloaded")))
        goodbye = fake.receive(10.0)
        assert goodbye is not None and goodbye.goodbye.reason == "unloaded", goodbye
        runner.join()
        assert runner.outcome == [0]  # the host's Goodbye: no reconnection


def test_node_shutdown_then_the_nodes_goodbye_or_a_loss_reconnects():
    """A remote module outlives its node's shutdown (the node may be restarting): NodeShutdown's
    handler runs, then the node's Goodbye (or, from an older node, the connection's loss) is
    taken as a loss: a new connection, incarnation 2 (then 3), without a Goodbye of its own."""
    fake, options = remote_options()
    seen: List[Tuple[int, str]] = []

    def setup(module: plexus.Module) -> None:
        module.on(EventType.NODE_SHUTDOWN, lambda d: seen.append((module.incarnation, "stop")))
        module.on(EventType.NEW_BLOCK,
                  lambda d: seen.append((module.incarnation, str(d.event.new_block.height))))

    with running(fake, setup, options) as runner:
        fake.accept_handshake(capacity=8, heartbeat_ms=100, incarnation=1)
        fake.accept_subscribe()
        fake.send_batch([(1, block(1))])
        fake.receive_ack(1)  # handled: the lifecycle lane would overtake it
        fake.send_batch([(1, shutdown())], lane=Lane.LIFECYCLE)
        fake.send(wire_pb2.Envelope(goodbye=wire_pb2.Goodbye(reason="node shutdown")))
        fake.accept_handshake(capacity=8, heartbeat_ms=100, incarnation=2)
        fake.accept_subscribe()
        fake.send_batch([(1, shutdown())], lane=Lane.LIFECYCLE)
        wait_for(lambda: (2, "stop") in seen, 10.0)
        fake.drop_connection()  # a node without the Goodbye: its connection just ends
        fake.accept_handshake(capacity=8, heartbeat_ms=100, incarnation=3)
        fake.accept_subscribe()
        fake.send_batch([(1, block(3))])
        fake.receive_ack(1)
        assert seen == [(1, "1"), (1, "stop"), (2, "stop"), (3, "3")]
        assert runner.outcome == []
        unload(fake)
        runner.join()
        assert runner.outcome == [0]


def test_a_handshake_answered_unavailable_is_retried_with_backoff():
    fake, options = remote_options()
    started = time.monotonic()
    with running(fake, lambda module: None, options) as runner:
        fake.refuse_handshake(ErrorCode.UNAVAILABLE)
        fake.refuse_handshake(ErrorCode.UNAVAILABLE)
        serve_one_session(fake, runner)
        assert time.monotonic() - started >= 0.15  # 100 ms then 200 ms, each in [d/2, d]


def test_a_timeout_after_an_unavailable_answer_names_the_nodes_last_answer():
    fake, options = remote_options()
    options.timeout = 0.5
    messages: List[str] = []
    attempt = threading.Thread(
        target=lambda: messages.append(connect_error(lambda: plexus.Module.connect(options))))
    attempt.start()
    try:
        fake.refuse_handshake(ErrorCode.UNAVAILABLE)
        while fake.receive(0.7) is not None:  # later handshakes go unanswered
            pass
        attempt.join(10.0)
    finally:
        fake.close()
    assert len(messages) == 1, "connect() did not fail"
    assert "did not answer the handshake" in messages[0]
    assert ("the node's last answer: plexus-node cannot take the handshake of module 'remote' "
            "now: refused by the fake") in messages[0]


def test_requests_while_disconnected_are_unavailable_and_stop_ends_the_waiting():
    fake, options = remote_options()
    with running(fake, lambda module: None, options) as runner:
        fake.accept_handshake(capacity=8, heartbeat_ms=100)
        fake.accept_subscribe()
        fake.drop_connection(rebind=False)
        module = runner.modules[0]

        def unavailable() -> bool:
            try:
                module.stats()
            except RequestError as e:
                return e.code == ErrorCode.UNAVAILABLE
            return False

        wait_for(unavailable, 10.0)
        asked = time.monotonic()
        with pytest.raises(RequestError) as raised:
            module.publish(events_pb2.NewBlock(hash="ab", height=1))
        assert raised.value.code == ErrorCode.UNAVAILABLE
        assert time.monotonic() - asked < 1.0
        module.stop()
        runner.join()
        assert runner.outcome == [0]


def test_a_fatal_refusal_at_reconnection_ends_run_with_2():
    fake, options = remote_options()
    with running(fake, lambda module: None, options) as runner:
        fake.accept_handshake(capacity=8, heartbeat_ms=100)
        fake.accept_subscribe()
        fake.drop_connection()
        fake.refuse_handshake(ErrorCode.PERMISSION_DENIED)
        runner.join()
        assert runner.outcome == [2]


def test_a_node_that_stops_answering_is_found_by_heartbeats():
    """ZMTP heartbeats: 1 s on the first connection (the node's interval comes with the
    HandshakeAck), dropped after 3 s unanswered; then a new connection, incarnation 2."""
    fake, secret = remote_fake()
    relay = TcpRelay(int(fake.endpoint.rsplit(":", 1)[1]))
    options = fake.options()
    options.secret_key = secret.decode()
    options.endpoint = f"tcp://127.0.0.1:{relay.port}"
    seen: List[int] = []

    def setup(module: plexus.Module) -> None:
        module.on(EventType.NEW_BLOCK, lambda d: seen.append(module.incarnation))

    runner = ModuleThread(fake, setup, options)
    try:
        fake.accept_handshake(capacity=8, heartbeat_ms=100, incarnation=1)
        fake.accept_subscribe()
        fake.send_batch([(1, block(1))])
        fake.receive_ack(1)
        frozen = time.monotonic()
        relay.freeze()
        fake.accept_handshake(capacity=8, heartbeat_ms=100, incarnation=2)
        assert time.monotonic() - frozen < 8.0
        fake.accept_subscribe()
        fake.send_batch([(1, block(2))])
        fake.receive_ack(1)
        assert seen == [1, 2]
        fake.send(wire_pb2.Envelope(goodbye=wire_pb2.Goodbye(reason="unloaded")))
        runner.join()
        assert runner.outcome == [0]
    finally:
        runner.stop()
        relay.close()
        fake.close()
