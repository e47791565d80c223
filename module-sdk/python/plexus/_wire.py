"""Encoding what the module sends, decoding what the node sends (wire.proto's header comment).

Every ZeroMQ message is [Envelope], except event delivery: [Envelope{event_batch}] then the
bodies: packed = one frame, the serialized Events back to back, split by EventMeta.size;
unpacked = one frame per Event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import List, Optional, Sequence, Union

from google.protobuf.message import DecodeError

from plexus._pb import Lane, display_name, wire_pb2
from plexus._version import MINOR_REPLAY, PROTOCOL_MAJOR

Envelope = wire_pb2.Envelope
_LANES = (Lane.EVENT, Lane.LIFECYCLE, Lane.CRITICAL, Lane.REPLAY)


def envelope(minor: int, **body) -> Envelope:
    """An Envelope stamped with the protocol version, e.g. envelope(4, heartbeat=Heartbeat())."""
    return Envelope(protocol_major=PROTOCOL_MAJOR, protocol_minor=minor, **body)


class Kind(Enum):
    BATCH = 1  # events to dispatch
    SUBSCRIBE_ACK = 2  # the node answered the Subscribe; `refused`: [(type, reason)]
    HOST_ERROR = 3  # an Error without correlation id (e.g. a refused Subscribe)
    HOST_GOODBYE = 4  # the node unloads this module
    STOP = 5  # stop() was called
    HOST_LOST = 6  # the connection to the node is gone
    REPLAY_END = 7  # since 1.5: a replay's last event was sent; `replay_end`


@dataclass
class Batch:
    lane: int
    metas: Sequence[wire_pb2.EventMeta]
    bodies: List[bytes]


@dataclass
class Incoming:
    """One thing the run() loop acts on."""

    kind: Kind
    batch: Optional[Batch] = None
    message: str = ""
    refused: List[tuple] = field(default_factory=list)
    replay_end: Optional[wire_pb2.ReplayEnd] = None


@dataclass
class Reply:
    """The answer to a request: a Response or an Error with its correlation id."""

    correlation_id: int
    response: Optional[wire_pb2.Response] = None
    error: Optional[wire_pb2.Error] = None


class Malformed(Exception):
    pass


Decoded = Union[Incoming, Reply, None]


def _too_new(what: str, minor: int) -> Malformed:
    return Malformed(
        f"{what} at negotiated protocol {PROTOCOL_MAJOR}.{minor} "
        f"(replay needs {PROTOCOL_MAJOR}.{MINOR_REPLAY})"
    )


def decode(frames: List[bytes], minor: int) -> Decoded:
    """What a message from the node is, at the negotiated `minor`; None when there is nothing to
    do. Raises Malformed (also for what the node may not send at that minor)."""
    if not frames:
        raise Malformed("empty message")
    env = Envelope()
    try:
        env.ParseFromString(frames[0])
    except DecodeError:
        raise Malformed("frame is not a plexus.v1.Envelope") from None
    body = env.WhichOneof("body")
    if body is None:
        raise Malformed("envelope carries no known body")
    if body == "event_batch":
        if env.event_batch.lane == Lane.REPLAY and minor < MINOR_REPLAY:
            raise _too_new("event batch: LANE_REPLAY", minor)
        return Incoming(Kind.BATCH, batch=_batch(env.event_batch, frames[1:]))
    if body == "response":
        return Reply(env.response.correlation_id, response=env.response)
    if body == "error":
        if env.error.correlation_id == 0:
            return Incoming(Kind.HOST_ERROR, message=env.error.message)
        return Reply(env.error.correlation_id, error=env.error)
    if body == "subscribe_ack":
        refused = [(r.type, r.reason) for r in env.subscribe_ack.refused]
        lines = "\n".join(f"{display_name(t)}: {why}" for t, why in refused)
        return Incoming(Kind.SUBSCRIBE_ACK, message=lines, refused=refused)
    if body == "goodbye":
        return Incoming(Kind.HOST_GOODBYE, message=env.goodbye.reason)
    if body == "replay_end":
        if minor < MINOR_REPLAY:
            raise _too_new("ReplayEnd", minor)
        return Incoming(Kind.REPLAY_END, replay_end=env.replay_end)
    return None  # HandshakeAck again, or something newer: nothing to do


def _batch(header: wire_pb2.EventBatch, frames: List[bytes]) -> Batch:
    if header.lane not in _LANES:
        raise Malformed("event batch names no known lane")
    metas = header.events
    if not metas:
        raise Malformed("event batch is empty")
    if not header.packed:
        if len(frames) != len(metas):
            raise Malformed(
                f"event batch announces {len(metas)} bodies, got {len(frames)}"
            )
        return Batch(header.lane, metas, list(frames))
    if len(frames) != 1:
        raise Malformed(f"packed event batch needs 1 body frame, got {len(frames)}")
    data = frames[0]
    bodies: List[bytes] = []
    offset = 0
    for meta in metas:
        end = offset + meta.size
        if end > len(data):
            raise Malformed("packed event sizes exceed the body frame")
        bodies.append(data[offset:end])
        offset = end
    if offset != len(data):
        raise Malformed("packed body frame has trailing bytes")
    return Batch(header.lane, metas, bodies)
