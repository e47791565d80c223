"""Plexus module SDK for Python: write a module that plexus-node spawns and supervises.

    import sys, plexus
    from plexus import EventType

    module = plexus.Module.from_environment()

    @module.on(EventType.NEW_BLOCK)
    def on_block(d: plexus.Delivery) -> None:
        print("block", d.event.new_block.height, "seq", d.sequence, flush=True)

    sys.exit(module.run())

See README.md next to this package (module-sdk/python/README.md in the repository).
"""

from plexus._handshake import ConnectOptions
from plexus._pb import (
    DeliveryStats,
    ErrorCode,
    Event,
    EventFlag,
    EventType,
    Lane,
    PublishResponse,
    ReplayEnd,
    ReplayResponse,
    display_name,
    events_pb2,
    make_event,
    stats_pb2,
    wire_pb2,
)
from plexus._version import PROTOCOL_MAJOR, PROTOCOL_MINOR, __version__
from plexus.delivery import Delivery
from plexus.errors import ConnectError, PlexusError, PublishError, RequestError
from plexus.module import Module

__all__ = [
    "ConnectError",
    "ConnectOptions",
    "Delivery",
    "DeliveryStats",
    "ErrorCode",
    "Event",
    "EventFlag",
    "EventType",
    "Lane",
    "Module",
    "PlexusError",
    "PublishError",
    "PublishResponse",
    "ReplayEnd",
    "ReplayResponse",
    "RequestError",
    "PROTOCOL_MAJOR",
    "PROTOCOL_MINOR",
    "__version__",
    "display_name",
    "events_pb2",
    "make_event",
    "stats_pb2",
    "wire_pb2",
]
