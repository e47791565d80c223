"""PendingEvents and LaneAcks: the run() loop's queue of received events and its credit.

Events received and not yet handled wait in one FIFO per lane; the next handler always gets the
oldest event of the first non-empty lane: lifecycle, then critical, then event. Memory is
bounded by the node's credit (channel_capacity + critical_capacity acked events, plus lifecycle
events). Credit goes back per acked lane (event, critical), cumulatively through the last
handled sequence. Thread rule: the run() thread only.
"""

from __future__ import annotations

from collections import deque
from typing import Deque, Dict, Tuple

from plexus._pb import Lane
from plexus._wire import Batch

_RANK = {Lane.LIFECYCLE: 0, Lane.CRITICAL: 1}  # everything else: 2 (the event lane)


class PendingEvents:
    def __init__(self) -> None:
        # Per lane: (lane, meta, body) in delivery order.
        self._lanes: Tuple[Deque, Deque, Deque] = (deque(), deque(), deque())
        self._count = 0

    def push(self, batch: Batch) -> None:
        queue = self._lanes[_RANK.get(batch.lane, 2)]
        for meta, body in zip(batch.metas, batch.bodies):
            queue.append((batch.lane, meta, body))
        self._count += len(batch.bodies)

    def __len__(self) -> int:
        return self._count

    def has_critical(self) -> bool:
        return bool(self._lanes[1])

    def pop(self):
        """The oldest (lane, meta, body) of the first non-empty lane. Precondition: len > 0."""
        self._count -= 1
        for queue in self._lanes:
            if queue:
                return queue.popleft()
        raise IndexError("no pending event")


class LaneAcks:
    """Per acked lane: handled through which sequence, and how many since the last ack."""

    def __init__(self, event_every: int, critical_every: int) -> None:
        self._every: Dict[int, int] = {Lane.EVENT: event_every, Lane.CRITICAL: critical_every}
        self._through: Dict[int, int] = {Lane.EVENT: 0, Lane.CRITICAL: 0}
        self._unacked: Dict[int, int] = {Lane.EVENT: 0, Lane.CRITICAL: 0}

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
