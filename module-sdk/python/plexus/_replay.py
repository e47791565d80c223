"""Replay on request (protocol 1.5): the ReplayRequest that Module.replay() sends."""

from __future__ import annotations

import datetime
from typing import Iterable, Optional, Union

from plexus._pb import ErrorCode, EventType, wire_pb2
from plexus._version import MINOR_REPLAY, PROTOCOL_MAJOR
from plexus.errors import RequestError

#: A replay's start time: an aware datetime (a naive one is local time), or Unix seconds.
Since = Union[datetime.datetime, int, float]


def since_unix_ms(since: Since) -> int:
    if isinstance(since, datetime.datetime):
        return int(since.timestamp() * 1000)
    if isinstance(since, bool) or not isinstance(since, (int, float)):
        raise TypeError(f"Module.replay: since must be a datetime or Unix seconds, not {since!r}")
    return int(since * 1000)


def replay_request(
    minor: int,
    from_offset: int,
    since: Optional[Since],
    until_offset: int,
    types: Iterable[int],
) -> wire_pb2.Request:
    """The Request to send. Raises RequestError(UNAVAILABLE) below 1.5 (nothing is sent then).
    What the node decides (from_offset or since, one of them; subscribed, journaled types; an
    empty range) is left to it: it answers INVALID_ARGUMENT."""
    if minor < MINOR_REPLAY:
        raise RequestError(
            ErrorCode.UNAVAILABLE,
            f"the node speaks protocol {PROTOCOL_MAJOR}.{minor}; replay needs "
            f"{PROTOCOL_MAJOR}.{MINOR_REPLAY}",
        )
    replay = wire_pb2.ReplayRequest(from_offset=from_offset, until_offset=until_offset)
    if since is not None:
        replay.since_unix_ms = since_unix_ms(since)
    for event_type in types:
        try:
            replay.types.append(EventType(event_type))
        except ValueError:
            replay.types.append(int(event_type))  # unknown to this SDK: the node says so
    return wire_pb2.Request(replay=replay)
