"""The spawn contract's environment: PLEXUS_MODULE_ID and PLEXUS_ENDPOINT, and the token line
plexus-node writes on a spawned module's stdin (Module.from_environment)."""

from __future__ import annotations

import os
import select
import sys
import time

from plexus.errors import ConnectError

ENV_MODULE_ID = "PLEXUS_MODULE_ID"
ENV_ENDPOINT = "PLEXUS_ENDPOINT"


def read_token(timeout: float) -> str:
    """The token line plexus-node writes on stdin (64 hex characters and a newline)."""
    fd = sys.stdin.fileno() if sys.stdin is not None else 0
    token = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(0.0, left))
        if not ready:
            raise ConnectError(f"no token on stdin within {int(timeout * 1000)} ms")
        c = os.read(fd, 1)
        if not c or c == b"\n":
            break
        if len(token) > 256:
            raise ConnectError("the token line on stdin is too long")
        token += c
    if not token:
        raise ConnectError("no token on stdin: a module is started by plexus-node, which writes it")
    return token.decode("ascii", "replace")
