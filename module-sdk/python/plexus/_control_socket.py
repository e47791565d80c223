"""ControlSocket: the DEALER connection to plexus-node's control ROUTER, as plexusctl's
ControlClient (host/ctl/src/control_client.cpp) speaks it: one ControlRequest frame out, stamped
with the protocol version and a correlation id counting from 1; one ControlResponse frame in,
matched by correlation id (or an error with correlation id 0: a request the node could not read).

Thread rule: one thread owns a ControlSocket (the one that created it); zmq sockets are not
thread-safe, so every method checks it is called on that thread.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path
from typing import Callable, Optional, Union

import zmq

from plexus._version import PROTOCOL_MAJOR, PROTOCOL_MINOR
from plexus.errors import ControlError, ControlTimeout, NodeNotRunning

try:
    from plexus.v1 import control_pb2
except ImportError as e:  # pragma: no cover - the package always generates it
    raise ImportError(f"plexus.control needs plexus.v1.control_pb2 (see plexus._pb): {e}") from e

PathLike = Union[str, "os.PathLike[str]"]

# Closing waits up to this long for queued fire-and-forget requests (tail acks) to leave.
_LINGER_MS = 200


def default_runtime_dir() -> Path:
    """$XDG_RUNTIME_DIR/plexus, else /tmp/plexus-$UID: plexus-node's and plexusctl's default."""
    xdg = os.environ.get("XDG_RUNTIME_DIR", "")
    if xdg:
        return Path(xdg) / "plexus"
    return Path("/tmp") / f"plexus-{os.getuid()}"


def resolve_runtime_dir(runtime_dir: Optional[PathLike]) -> Path:
    """The given directory (plexusctl --runtime-dir), else default_runtime_dir()."""
    if runtime_dir is not None and str(runtime_dir) != "":
        return Path(runtime_dir)
    return default_runtime_dir()


def control_socket_path(runtime_dir: Optional[PathLike] = None) -> Path:
    """<runtime dir>/control.sock."""
    return resolve_runtime_dir(runtime_dir) / "control.sock"


class ControlSocket:
    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path
        self._owner = threading.get_ident()
        self._context: Optional[zmq.Context] = None
        self._socket: Optional[zmq.Socket] = None
        self._next_correlation = 1
        # Gets the responses a wait_for() skips (an open tail's batches), so none is lost.
        self.stray: Optional[Callable[[control_pb2.ControlResponse], None]] = None

    def _check_thread(self) -> None:
        if threading.get_ident() != self._owner:
            raise RuntimeError("a ControlClient is used only by the thread that created it")

    def connect(self) -> None:
        """Connects unless connected; NodeNotRunning when there is no socket to connect to."""
        self._check_thread()
        if self._socket is not None:
            return
        try:
            is_socket = stat.S_ISSOCK(os.stat(self.socket_path).st_mode)
        except OSError:
            is_socket = False
        if not is_socket:
            raise NodeNotRunning(str(self.socket_path))
        self._context = zmq.Context(1)
        self._socket = self._context.socket(zmq.DEALER)
        self._socket.setsockopt(zmq.LINGER, _LINGER_MS)
        self._socket.connect(f"ipc://{self.socket_path}")

    def next_correlation(self) -> int:
        correlation = self._next_correlation
        self._next_correlation += 1
        return correlation

    def send(self, request: control_pb2.ControlRequest) -> int:
        """Sends `request` stamped with the protocol version (and a correlation id unless it has
        one); returns its correlation id."""
        self.connect()
        assert self._socket is not None
        request.protocol_major = PROTOCOL_MAJOR
        request.protocol_minor = PROTOCOL_MINOR
        if request.correlation_id == 0:
            request.correlation_id = self.next_correlation()
        try:
            self._socket.send(request.SerializeToString(), zmq.DONTWAIT)
        except zmq.ZMQError as e:
            raise ControlError(f"cannot send to {self.socket_path}: {e}") from e
        return request.correlation_id

    def receive(self, timeout: float) -> Optional[control_pb2.ControlResponse]:
        """The next response of any correlation id within `timeout` seconds, else None.
        ControlError for a reply that does not parse (the node answered, unusably)."""
        self._check_thread()
        if self._socket is None:
            raise ControlError("the control client is closed")
        if not self._socket.poll(max(0, int(timeout * 1000)), zmq.POLLIN):
            return None
        frame = self._socket.recv(zmq.DONTWAIT)
        response = control_pb2.ControlResponse()
        try:
            response.ParseFromString(frame)
        except Exception as e:  # google.protobuf.message.DecodeError, or bad UTF-8
            raise ControlError(
                f"plexus-node answered with a reply that cannot be parsed ({len(frame)} bytes: "
                f"not a ControlResponse, or a string in it is not UTF-8)") from e
        return response

    def wait_for(self, correlation_id: int, timeout: float,
                 what: str = "answer") -> control_pb2.ControlResponse:
        """The response to `correlation_id` within `timeout` seconds, else ControlTimeout. Others
        go to `stray` (an open tail's batches), or are dropped (late answers)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ControlTimeout(
                    f"plexus-node did not {what} within {int(timeout * 1000)} ms "
                    f"({self.socket_path})")
            response = self.receive(left)
            if response is None:
                continue
            if response.correlation_id == correlation_id or (
                    response.WhichOneof("body") == "error" and response.correlation_id == 0):
                return response
            if self.stray is not None:
                self.stray(response)

    def call(self, request: control_pb2.ControlRequest,
             timeout: float) -> control_pb2.ControlResponse:
        request.correlation_id = self.next_correlation()
        return self.wait_for(self.send(request), timeout)

    def close(self) -> None:
        self._check_thread()
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._context is not None:
            self._context.term()
            self._context = None
