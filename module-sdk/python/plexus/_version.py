"""The SDK's version and the protocol it claims."""

__version__ = "0.1.0"

PROTOCOL_MAJOR = 1
# 1.4: journal offsets and flags (EventMeta.offset/flags). Replay on request (1.5) is not
# implemented yet: the node serves this SDK at 1.4 and sends it nothing newer.
PROTOCOL_MINOR = 4
# What each minor added (ipc/include/plexus/ipc/protocol.h).
MINOR_FILTERS = 2
MINOR_LANES = 3
MINOR_OFFSETS = 4
