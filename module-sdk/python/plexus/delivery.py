"""Delivery: one event handed to a handler, with where it stands in its lane."""

from __future__ import annotations

from dataclasses import dataclass

from plexus._pb import Event, EventFlag, Lane


@dataclass(frozen=True)
class Delivery:
    """One delivered event.

    sequence: per incarnation and lane, 1-based; on the event lane, sequence - dropped_before -
      1 is the sequence of the previous event this module received.
    dropped_before: events of this lane dropped for this module since the previous delivery
      (full channel, drop policy).
    offset: the event's node-wide journal offset (> 0) when the node journaled it; 0 when it was
      not journaled (lifecycle events never are).
    flags: plexus.EventFlag bits (REPLAYED, REDELIVERED); 0 for a live event.
    lane: plexus.Lane: EVENT, CRITICAL, LIFECYCLE or REPLAY (since 1.5: sent again because the
      module asked, Module.replay(); the replay lane has its own sequence numbers).
    """

    event: Event
    sequence: int
    dropped_before: int
    lane: int
    offset: int = 0
    flags: int = 0

    @property
    def type(self) -> int:
        return self.event.type

    @property
    def payload(self):
        """The event's payload message (e.g. a NewBlock), or None."""
        field = self.event.WhichOneof("payload")
        return getattr(self.event, field) if field else None

    @property
    def is_lifecycle(self) -> bool:
        """ModuleLoaded, NodeShutdown, ...: never dropped, never acked."""
        return self.lane == Lane.LIFECYCLE

    @property
    def is_critical(self) -> bool:
        """Critical priority: a lane of its own, with its own sequence numbers."""
        return self.lane == Lane.CRITICAL

    @property
    def is_replay(self) -> bool:
        """On the replay lane: sent again because this module asked (Module.replay(), since 1.5),
        with that lane's own sequence numbers; also is_replayed."""
        return self.lane == Lane.REPLAY

    @property
    def is_replayed(self) -> bool:
        """Read back from the journal (a durable module's catch-up, or a replay)."""
        return bool(self.flags & EventFlag.REPLAYED)

    @property
    def is_redelivered(self) -> bool:
        """Sent before to an earlier incarnation that did not ack it: handle it idempotently."""
        return bool(self.flags & EventFlag.REDELIVERED)
