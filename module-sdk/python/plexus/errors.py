"""The exceptions the SDK raises (README.md, "Errors")."""

from __future__ import annotations

from typing import Optional

from plexus._pb import ErrorCode, PublishResponse


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
        try:
            self.code: int = ErrorCode(code)
        except ValueError:
            self.code = code
        self.message = message
        super().__init__(f"{getattr(self.code, 'name', self.code)}: {message}")


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
