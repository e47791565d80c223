"""The remote (tcp://) side of a module connection, as the C++ SDK's remote_connect.h: CURVE keys
from ConnectOptions or the environment, the DEALER's CURVE and ZMTP heartbeat options, and the
reconnection backoff. Raises ConnectError naming what is missing or wrong.
Thread rule: pure functions; a Backoff belongs to the thread that owns the connection."""

from __future__ import annotations

import os
import random
import stat
from dataclasses import dataclass

import zmq

from plexus.errors import ConnectError

ENV_SERVER_KEY = "PLEXUS_SERVER_KEY"
ENV_SECRET_KEY_FILE = "PLEXUS_SECRET_KEY_FILE"
_Z85 = set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")


class RetryableConnectError(ConnectError):
    """An attempt that may succeed later: no answer in time, the connection closed during the
    handshake, or the handshake answered UNAVAILABLE. A remote module tries again.
    `answered` is true for UNAVAILABLE: the reason is kept for an attempt that then times out."""

    def __init__(self, message: str, answered: bool = False) -> None:
        super().__init__(message)
        self.answered = answered


def is_remote(endpoint: str) -> bool:
    return endpoint.startswith("tcp://")


@dataclass
class CurveKeys:
    server_key: str  # Z85, the node's public key
    public_key: str  # Z85, the module's, derived from the secret key
    secret_key: str  # Z85


def check_z85_key(key: str, what: str) -> None:
    if len(key) != 40 or any(c not in _Z85 for c in key):
        raise ConnectError(f"{what} must be 40 characters of Z85 (a CURVE key), not {key!r}")


def read_secret_key_file(path: str) -> str:
    """ZeroMQ's text form: one line, the 40-character Z85 secret key; mode 0600 (no group or
    other permission bit), as ipc::readSecretKeyFile."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise ConnectError(f"key file '{path}' is not a regular file")
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            raise ConnectError(
                f"key file '{path}' has mode {mode:04o}: a secret key file must be readable by "
                "its owner only (chmod 600)"
            )
        with open(path, encoding="ascii", errors="replace") as f:
            text = f.read(100)
    except OSError as e:
        raise ConnectError(f"cannot read key file '{path}': {e.strerror}") from e
    key = text[:-1] if text.endswith("\n") else text
    check_z85_key(key, f"key file '{path}'")
    return key


def resolve_keys(options) -> CurveKeys:  # options: ConnectOptions (no import cycle)
    where = f"a tcp:// endpoint ({options.endpoint})"
    if not zmq.has("curve"):
        raise ConnectError(f"{where} needs CURVE, which this libzmq lacks")
    if not options.server_key:
        raise ConnectError(
            f"{where} needs the node's public key (ConnectOptions.server_key, or {ENV_SERVER_KEY})"
        )
    check_z85_key(options.server_key, "the node's public key")
    if options.secret_key:
        secret = options.secret_key
        check_z85_key(secret, "the module's secret key")
    elif options.secret_key_file:
        secret = read_secret_key_file(options.secret_key_file)
    else:
        raise ConnectError(
            f"{where} needs the module's secret key (ConnectOptions.secret_key or "
            f"secret_key_file, or {ENV_SECRET_KEY_FILE})"
        )
    public = zmq.curve_public(secret.encode()).decode()
    return CurveKeys(options.server_key, public, secret)


def configure_remote_dealer(socket: zmq.Socket, module_id: str, keys: CurveKeys,
                            heartbeat: float) -> None:
    """Routing id = module id, CURVE client, IMMEDIATE, and ZMTP heartbeats every `heartbeat`
    seconds, the connection dropped after three without an answer."""
    socket.setsockopt(zmq.ROUTING_ID, module_id.encode())
    socket.curve_serverkey = keys.server_key.encode()
    socket.curve_publickey = keys.public_key.encode()
    socket.curve_secretkey = keys.secret_key.encode()
    socket.setsockopt(zmq.IMMEDIATE, 1)
    socket.setsockopt(zmq.SNDHWM, 100000)
    socket.setsockopt(zmq.RCVHWM, 100000)
    socket.setsockopt(zmq.LINGER, 200)
    interval = max(10, int(heartbeat * 1000))
    socket.setsockopt(zmq.HEARTBEAT_IVL, interval)
    socket.setsockopt(zmq.HEARTBEAT_TIMEOUT, 3 * interval)


class Backoff:
    """100 ms doubling to 5 s; each delay drawn in [d/2, d]; reset() after a productive
    connection (handshake and subscription done)."""

    FIRST = 0.1
    MAX = 5.0

    def __init__(self) -> None:
        self._delay = self.FIRST

    def next(self) -> float:
        delay = self._delay
        self._delay = min(self.MAX, delay * 2)
        return random.uniform(delay / 2, delay)

    def reset(self) -> None:
        self._delay = self.FIRST
