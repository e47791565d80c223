"""The generated protobuf classes (plexus.v1.*_pb2) and Pythonic enums over them.

The _pb2 modules are generated from the repository's proto/ at build time (CMake, or the pip
build backend); they are never committed. Importing plexus without them raises ImportError
with what to do.
"""

from __future__ import annotations

import enum
from typing import Dict, Tuple, Type

try:
    from plexus.v1 import events_pb2, stats_pb2, wire_pb2
except ImportError as e:  # pragma: no cover - a source checkout without a build
    raise ImportError(
        "plexus: the generated protobuf classes (plexus.v1.*_pb2) are missing: use the package "
        "from the build tree (build/python), an install (share/plexus/python), or "
        "`pip install --no-build-isolation module-sdk/python`, which generate them with protoc "
        f"({e})"
    ) from e

from google.protobuf.message import Message


def _enum(name: str, descriptor, prefix: str) -> Type[enum.IntEnum]:
    members = {v.name[len(prefix):]: v.number for v in descriptor.values}
    return enum.IntEnum(name, members)  # type: ignore[return-value]


#: plexus.v1.EventType without its prefix: EventType.NEW_BLOCK == events_pb2.EVENT_TYPE_NEW_BLOCK
EventType = _enum("EventType", events_pb2.EventType.DESCRIPTOR, "EVENT_TYPE_")
#: plexus.v1.Lane: EVENT, LIFECYCLE, CRITICAL, REPLAY (since 1.5)
Lane = _enum("Lane", stats_pb2.Lane.DESCRIPTOR, "LANE_")
#: plexus.v1.ErrorCode: MALFORMED, PERMISSION_DENIED, TIMEOUT, UNAVAILABLE, ...
ErrorCode = _enum("ErrorCode", wire_pb2.ErrorCode.DESCRIPTOR, "ERROR_CODE_")
#: plexus.v1.EventFlag bits of Delivery.flags
EventFlag = _enum("EventFlag", wire_pb2.EventFlag.DESCRIPTOR, "EVENT_FLAG_")

Event = events_pb2.Event
PublishResponse = wire_pb2.PublishResponse
DeliveryStats = stats_pb2.DeliveryStats
ReplayResponse = wire_pb2.ReplayResponse
ReplayEnd = wire_pb2.ReplayEnd

# Payload message class -> (Event field name, EventType): field number = 100 + type.
_PAYLOADS: Dict[str, Tuple[str, int]] = {
    field.message_type.full_name: (field.name, field.number - 100)
    for field in events_pb2.Event.DESCRIPTOR.oneofs_by_name["payload"].fields
}


def display_name(event_type: int) -> str:
    """NEW_TRANSACTION -> "NewTransaction", as the node and plexusctl print types."""
    try:
        name = EventType(event_type).name
    except ValueError:
        return f"event type {event_type}"
    return "".join(word.capitalize() for word in name.split("_"))


def make_event(payload: Message) -> events_pb2.Event:
    """An Event carrying `payload` (e.g. events_pb2.NewBlock(...)), its type set to match."""
    try:
        field, number = _PAYLOADS[payload.DESCRIPTOR.full_name]
    except KeyError:
        raise TypeError(
            f"{payload.DESCRIPTOR.full_name} is not an event payload of plexus.v1.Event"
        ) from None
    event = events_pb2.Event(type=number)
    getattr(event, field).CopyFrom(payload)
    return event
