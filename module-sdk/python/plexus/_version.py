"""The SDK's version and the protocol it claims."""

__version__ = "0.1.0"

PROTOCOL_MAJOR = 1
# 1.5: replay on request (Module.replay(), the replay lane, ReplayEnd).
PROTOCOL_MINOR = 5
# What each minor added (ipc/include/plexus/ipc/protocol.h).
MINOR_FILTERS = 2
MINOR_LANES = 3
MINOR_OFFSETS = 4
MINOR_REPLAY = 5
