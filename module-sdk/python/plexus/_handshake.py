"""The start of a connection: the DEALER's options, the ZeroMQ handshake (where the node's ZAP
handler checks the one-time token, PLAIN: username = module id, password = token; or for a
tcp:// endpoint the module's CURVE key), then the Plexus Handshake/HandshakeAck. Raises
ConnectError with the reason (RetryableConnectError when a remote module may try again)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Optional

import zmq
from zmq.utils.monitor import recv_monitor_message

from plexus._pb import wire_pb2
from plexus._version import PROTOCOL_MAJOR, PROTOCOL_MINOR, __version__
from plexus._wire import envelope
from plexus._remote import ENV_SECRET_KEY_FILE, ENV_SERVER_KEY, RetryableConnectError
from plexus.errors import ConnectError

MONITOR_EVENTS = (
    zmq.EVENT_HANDSHAKE_SUCCEEDED
    | zmq.EVENT_HANDSHAKE_FAILED_AUTH
    | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
    | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
    | zmq.EVENT_DISCONNECTED
)


@dataclass
class ConnectOptions:
    module_id: str
    # ipc://.../modules.sock: spawned by plexus-node (with `token`); tcp://HOST:PORT: a remote
    # module (CURVE, with the keys below)
    endpoint: str
    token: str = ""  # ipc:// only: the one-time token plexus-node wrote on stdin
    name: str = ""  # ModuleLoaded.name; default: the module id
    version: str = ""  # ModuleLoaded.version; default: the SDK version
    protocol_major: int = PROTOCOL_MAJOR  # tests claim others to see how the node answers
    protocol_minor: int = PROTOCOL_MINOR
    timeout: float = 10.0  # seconds: connect + authenticate + handshake (remote: each attempt)
    # tcp:// only: the node's public key (Z85), and the module's secret key itself (Z85) or the
    # file holding it (mode 0600); its public key is derived from it.
    server_key: str = ""
    secret_key: str = ""
    secret_key_file: str = ""


def remote_options(module_id: str, endpoint: str, name: str, version: str,
                   timeout: float) -> ConnectOptions:
    """A remote module's options from the environment: PLEXUS_SERVER_KEY, PLEXUS_SECRET_KEY_FILE."""
    server_key = os.environ.get(ENV_SERVER_KEY, "")
    key_file = os.environ.get(ENV_SECRET_KEY_FILE, "")
    if not server_key or not key_file:
        raise ConnectError(
            f"a remote module (PLEXUS_ENDPOINT={endpoint}) needs {ENV_SERVER_KEY} (the node's "
            f"public key) and {ENV_SECRET_KEY_FILE} (this module's secret key file)"
        )
    return ConnectOptions(module_id, endpoint, "", name, version, timeout=timeout,
                          server_key=server_key, secret_key_file=key_file)


def configure_dealer(socket: zmq.Socket, options: ConnectOptions) -> None:
    """As the C++ SDK (ipc::configureModuleDealer)."""
    socket.setsockopt(zmq.ROUTING_ID, options.module_id.encode())
    socket.setsockopt(zmq.PLAIN_USERNAME, options.module_id.encode())
    socket.setsockopt(zmq.PLAIN_PASSWORD, options.token.encode())
    socket.setsockopt(zmq.IMMEDIATE, 1)
    socket.setsockopt(zmq.SNDHWM, 100000)
    socket.setsockopt(zmq.RCVHWM, 100000)
    socket.setsockopt(zmq.LINGER, 200)


def _event_name(event: int) -> str:
    for name in ("HANDSHAKE_FAILED_PROTOCOL", "HANDSHAKE_FAILED_NO_DETAIL"):
        if event == getattr(zmq, "EVENT_" + name):
            return name
    return str(event)


def wait_authenticated(monitor: zmq.Socket, options: ConnectOptions, deadline: float,
                       public_key: str = "") -> None:
    """Waits for the ZeroMQ handshake, where the node's ZAP handler checks the token (or, with a
    `public_key`, the module's CURVE key)."""
    who = f"module '{options.module_id}'"
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            hint = "; is the server key the node's public key?" if public_key else ""
            raise RetryableConnectError(
                f"no connection to plexus-node at {options.endpoint} within "
                f"{int(options.timeout * 1000)} ms ({who}{hint})"
            )
        if not monitor.poll(min(left, 0.1) * 1000):
            continue
        message = recv_monitor_message(monitor)
        event = message["event"]
        if event == zmq.EVENT_HANDSHAKE_SUCCEEDED:
            return
        if event == zmq.EVENT_HANDSHAKE_FAILED_AUTH and public_key:
            raise ConnectError(
                f"the node refused this module's key ({who}, public key {public_key}, ZAP status "
                f"{message['value']}): it is not the public_key configured for that id"
            )
        if event == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
            raise ConnectError(
                f"plexus-node refused the credentials of {who}: the token is wrong or already "
                "used, or this process is not the one plexus-node spawned for that id"
            )
        if event in (zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL, zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL):
            raise ConnectError(
                f"the ZeroMQ handshake with plexus-node failed ({_event_name(event)}) for {who}"
            )


def plexus_handshake(
    socket: zmq.Socket, monitor: zmq.Socket, options: ConnectOptions, deadline: float
) -> wire_pb2.HandshakeAck:
    """Sends the Handshake, returns the node's HandshakeAck."""
    who = f"module '{options.module_id}'"
    hello = envelope(
        options.protocol_minor,
        handshake=wire_pb2.Handshake(
            module_id=options.module_id,
            name=options.name or options.module_id,
            version=options.version or __version__,
            sdk_version=f"python-{__version__}",
        ),
    )
    hello.protocol_major = options.protocol_major
    socket.send(hello.SerializeToString())
    poller = zmq.Poller()
    poller.register(socket, zmq.POLLIN)
    poller.register(monitor, zmq.POLLIN)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RetryableConnectError(
                f"plexus-node did not answer the handshake of {who} within "
                f"{int(options.timeout * 1000)} ms"
            )
        ready = dict(poller.poll(min(left, 0.1) * 1000))
        if monitor in ready:
            event = recv_monitor_message(monitor)["event"]
            if event == zmq.EVENT_DISCONNECTED:
                raise RetryableConnectError(
                    f"plexus-node closed the connection during the handshake of {who}"
                )
        if socket not in ready:
            continue
        reply = _decode(socket.recv_multipart())
        if reply is None:
            continue
        if reply.HasField("error") and reply.error.code == wire_pb2.ERROR_CODE_UNAVAILABLE:
            raise RetryableConnectError(
                f"plexus-node cannot take the handshake of {who} now: {reply.error.message}",
                answered=True,
            )
        if reply.HasField("error"):
            raise ConnectError(f"plexus-node refused the handshake of {who}: {reply.error.message}")
        if reply.HasField("handshake_ack"):
            return reply.handshake_ack


def _decode(frames) -> Optional[wire_pb2.Envelope]:
    env = wire_pb2.Envelope()
    try:
        env.ParseFromString(frames[0])
    except Exception:  # noqa: BLE001 - anything undecodable is skipped, as the C++ SDK does
        return None
    return env
