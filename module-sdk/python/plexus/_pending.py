"""PendingEvents and LaneAcks: the run() loop's queue of received events and its credit.

Events received and not yet handled wait in one FIFO per lane; the next handler always gets the
oldest event of the first non-empty lane: lifecycle, then critical, then event, then replay
last (a replay never holds up live events). A ReplayEnd (since 1.5) waits in the replay lane as
a marker, after the replay events received before it. Memory is bounded by the node's credit
(channel_capacity + critical_capacity + replay_capacity acked events, plus lifecycle events and
ReplayEnds). Credit goes back per acked lane (event, critical, replay), cumulatively through the
last handled sequence. Thread rule: the run() thread only.
"""

from __future__ import annotations

from collections import deque
from typing import Deque, Dict, Tuple

from plexus._pb import Lane, wire_pb2
from plexus._wire import Batch

_RANK = {Lane.LIFECYCLE: 0, Lane.CRITICAL: 1, Lane.REPLAY: 3}  # else 2 (the event lane)
_REPLAY = 3


class PendingEvents:
    def __init__(self) -> None:
        # Per lane: (lane, meta, body) in delivery order.
        self._lanes: Tuple[Deque, Deque, Deque, Deque] = (deque(), deque(), deque(), deque())
        self._live = self._lanes[:_REPLAY]  # lifecycle, critical, event: pop()'s first look
        self._count = 0  # events and ReplayEnd markers
        # ReplayEnds, each with the number of replay events pushed before it.
        self._replay_ends: Deque[Tuple[int, wire_pb2.ReplayEnd]] = deque()
        self._replay_pushed = 0
        self._replay_popped = 0

    def push(self, batch: Batch) -> None:
        rank = _RANK.get(batch.lane, 2)
        queue = self._lanes[rank]
        for meta, body in zip(batch.metas, batch.bodies):
            queue.append((batch.lane, meta, body))
        self._count += len(batch.bodies)
        if rank == _REPLAY:
            self._replay_pushed += len(batch.bodies)

    def push_replay_end(self, end: wire_pb2.ReplayEnd) -> None:
        """Queues a ReplayEnd on the replay lane, after the replay events pushed before it."""
        self._replay_ends.append((self._replay_pushed, end))
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def has_critical(self) -> bool:
        return bool(self._lanes[1])

    def pop(self):
        """The oldest (lane, meta, body) of the first non-empty lane; for a ReplayEnd that is
        due (every replay event pushed before it was popped): (Lane.REPLAY, None, ReplayEnd).
        Precondition: len > 0."""
        self._count -= 1
        for queue in self._live:
            if queue:
                return queue.popleft()
        if self._replay_ends and self._replay_ends[0][0] == self._replay_popped:
            return (Lane.REPLAY, None, self._replay_ends.popleft()[1])
        if self._lanes[_REPLAY]:
            self._replay_popped += 1
            return self._lanes[_REPLAY].popleft()
        self._count += 1
        raise IndexError("no pending event")


class LaneAcks:
    """Per acked lane: handled through which sequence, and how many since the last ack."""

    def __init__(self, event_every: int, critical_every: int, replay_every: int) -> None:
        self._every: Dict[int, int] = {
            Lane.EVENT: event_every, Lane.CRITICAL: critical_every, Lane.REPLAY: replay_every
        }
        self._through: Dict[int, int] = {lane: 0 for lane in self._every}
        self._unacked: Dict[int, int] = {lane: 0 for lane in self._every}

    def handled(self, lane: int, seq: int) -> bool:
        """An event of `lane` was handled. True when that lane's credit is due now."""
        if lane not in self._every:
            return False  # the lifecycle lane is never acked
        self._through[lane] = seq
        self._unacked[lane] += 1
        return self._unacked[lane] >= self._every[lane]

    def unacked(self, lane: int) -> bool:
        return self._unacked.get(lane, 0) > 0

    def any_unacked(self) -> bool:
        return any(self._unacked.values())

    def take(self, lane: int) -> int:
        """The sequence to ack on `lane`; the lane owes nothing afterwards."""
        self._unacked[lane] = 0
        return self._through[lane]
