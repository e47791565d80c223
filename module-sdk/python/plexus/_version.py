"""The SDK's version and the protocol it claims."""

__version__ = "0.1.0"

PROTOCOL_MAJOR = 1
# 1.6: the operator publish answer's `unpublished` (Control.publish()); modules as at 1.5.
PROTOCOL_MINOR = 6
# What each minor added (ipc/include/plexus/ipc/protocol.h).
MINOR_FILTERS = 2
MINOR_LANES = 3
MINOR_OFFSETS = 4
MINOR_REPLAY = 5
