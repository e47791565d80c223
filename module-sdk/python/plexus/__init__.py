"""Plexus module SDK for Python: write a module that plexus-node spawns and supervises.

    import sys, plexus
    from plexus import EventType

    module = plexus.Module.from_environment()

    @module.on(EventType.NEW_BLOCK)
    def on_block(d: plexus.Delivery) -> None:
        print("block", d.event.new_block.height, "seq", d.sequence, flush=True)

    sys.exit(module.run())

plexus.control (imported on its own) is the control client: the node's status, modules,
statistics, subscribers, publish and tail from a script, as plexusctl asks them.

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
from plexus.errors import (
    ConnectError,
    ControlError,
    ControlRefused,
    ControlTimeout,
    NodeNotRunning,
    PlexusError,
    PublishError,
    RequestError,
)
from plexus.module import Module

__all__ = [
    "ConnectError",
    "ConnectOptions",
    "ControlError",
    "ControlRefused",
    "ControlTimeout",
    "Delivery",
    "DeliveryStats",
    "ErrorCode",
    "Event",
    "EventFlag",
    "EventType",
    "Lane",
    "Module",
    "NodeNotRunning",
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
