"""The exceptions the SDK raises (README.md, "Errors")."""

from __future__ import annotations

from typing import Optional

from plexus._pb import ErrorCode, PublishResponse


def _coded(code: int) -> int:
    """`code` as a plexus.ErrorCode when it is one (a newer node's code stays a plain int)."""
    try:
        return ErrorCode(code)
    except ValueError:
        return code


def _describe(code: int, message: str) -> str:
    return f"{getattr(code, 'name', code)}: {message}"


class PlexusError(Exception):
    """Base of every exception of this SDK."""


class ConnectError(PlexusError):
    """from_environment()/connect() could not connect, authenticate or complete the handshake.

    The message says why: environment not set, no token on stdin, credentials refused, no
    answer in time, handshake refused (e.g. another protocol major).
    """


class RequestError(PlexusError):
    """The node answered a request (publish, stats, replay) with an error, or none came.

    `code` is a plexus.ErrorCode: TIMEOUT (no answer in time, or a block subscriber did not take
    the event in time), UNAVAILABLE (the connection is lost or the module closed, or a block
    subscriber is stopping, gone or restarting; replay: the node journals nothing, or the
    connection negotiated a minor below 1.5), PERMISSION_DENIED, INVALID_ARGUMENT,
    ALREADY_EXISTS (replay: one runs already), RATE_LIMITED, ...
    """

    def __init__(self, code: int, message: str) -> None:
        self.code: int = _coded(code)
        self.message = message
        super().__init__(_describe(self.code, message))


class PublishError(RequestError):
    """publish() was refused, or some block-policy subscriber did not take the event.

    `response` is the node's full PublishResponse when it sent one (a block subscriber that did
    not take the event: the counts, and each such subscriber in `missed` with why); else None.
    """

    def __init__(
        self, code: int, message: str, response: Optional[PublishResponse] = None
    ) -> None:
        super().__init__(code, message)
        self.response = response


class ControlError(PlexusError):
    """plexus.control: a control request failed (base of the three below). Raised as such for an
    answer that cannot be used: one that does not parse, or the wrong kind of answer."""


class NodeNotRunning(ControlError, ConnectionError):
    """No plexus-node listens at the runtime dir: its control socket is missing (or is not a
    socket). `socket_path` is the path looked at."""

    def __init__(self, socket_path: str) -> None:
        self.socket_path = socket_path
        super().__init__(f"plexus-node is not running (no control socket at {socket_path})")


class ControlTimeout(ControlError, TimeoutError):
    """The node did not answer (or, for publish, report progress) within the timeout: it hangs,
    it was killed and left its socket behind, or it does not admit this user."""


class ControlRefused(ControlError):
    """The node answered the request with an error. `code` is a plexus.ErrorCode
    (INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND, UNAVAILABLE, ...), `message` the node's."""

    def __init__(self, code: int, message: str) -> None:
        self.code: int = _coded(code)
        self.message = message
        super().__init__(_describe(self.code, message))
