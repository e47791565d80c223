"""A Python module for the SDK's replay tests (protocol 1.5), as tests/support/replay_module.cpp
for the C++ SDK: records what it sees as JSON lines in the file named by its `out` setting.
Settings (all optional but `out`):
  mode            "fill" (default): a drop-policy subscriber of NewBlock that fills its gaps with
                  replays: when an event-lane event comes with dropped_before > 0, the offsets it
                  missed are (the previous event-lane offset + 1) .. (this offset - 1); one
                  replay at a time, the next range on each ReplayEnd.
                  "refusals": also subscribes to NewTransaction; on each one, its handler asks
                  for a bad replay, then replays every NewBlock offset seen so far and at once
                  asks again (ALREADY_EXISTS: the replay cannot end while the handler holds its
                  lane's credit).
  delay           seconds each event-lane NewBlock handler sleeps (so the node drops for it)
Argument: --protocol-minor=N claims 1.N in the handshake; below 5, replay() is tried before run().
Records: ready, event, replay-request, replay-answer, replay-error, replay-end, exit.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import deque
from typing import Any, Deque, Tuple

import plexus
from plexus import Delivery, EventType
from plexus.module import ENV_ENDPOINT, ENV_MODULE_ID, read_token


def connect() -> plexus.Module:
    minor = next((a.split("=", 1)[1] for a in sys.argv[1:]
                  if a.startswith("--protocol-minor=")), "")
    if not minor:
        return plexus.Module.from_environment(name="replayer")
    options = plexus.ConnectOptions(os.environ[ENV_MODULE_ID], os.environ[ENV_ENDPOINT],
                                    read_token(10.0), name="replayer",
                                    protocol_minor=int(minor))
    return plexus.Module.connect(options)


module = connect()
out = open(module.setting("out"), "a", buffering=1)
mode = module.setting("mode", "fill")
delay = float(module.setting("delay", "0"))


def record(kind: str, **fields: Any) -> None:
    out.write(json.dumps({"kind": kind, **fields}) + "\n")


def ask(**request: Any) -> bool:
    record("replay-request", **{k: v for k, v in request.items() if k != "types"})
    try:
        answer = module.replay(**request)
    except plexus.RequestError as e:
        record("replay-error", code=getattr(e.code, "name", str(e.code)), message=e.message)
        return False
    record("replay-answer", id=answer.replay_id, through=answer.through_offset,
           types=[EventType(t).name for t in answer.types])
    return True


class GapFiller:
    """The gaps of the event lane and the replays that fill them, one at a time (run() thread)."""

    def __init__(self) -> None:
        self.missing: Deque[Tuple[int, int]] = deque()  # [from, until], oldest first
        self.last_live = 0  # 0: none seen yet
        self.running = False  # a replay was answered and its ReplayEnd has not come

    def on_live(self, d: Delivery) -> None:
        if d.offset == 0:
            return
        if d.dropped_before > 0 and self.last_live > 0 and d.offset > self.last_live + 1:
            self.missing.append((self.last_live + 1, d.offset - 1))
        self.last_live = d.offset
        self.start_next()

    def on_end(self) -> None:
        self.running = False
        self.start_next()

    def start_next(self) -> None:
        while not self.running and self.missing:
            first, until = self.missing.popleft()
            self.running = ask(from_offset=first, until_offset=until,
                               types=[EventType.NEW_BLOCK])


gaps = GapFiller()
block_offsets = []


@module.on(EventType.NEW_BLOCK)
def on_block(d: Delivery) -> None:
    record("event", lane=plexus.Lane(d.lane).name, seq=d.sequence,
           dropped_before=d.dropped_before, offset=d.offset, flags=d.flags,
           is_replay=d.is_replay, replayed=d.is_replayed)
    if d.is_replay:
        return
    block_offsets.append(d.offset)
    if mode == "fill":
        gaps.on_live(d)
    time.sleep(delay)  # a slow handler


if mode == "refusals":
    @module.on(EventType.NEW_TRANSACTION)
    def on_transaction(d: Delivery) -> None:
        ask(from_offset=1, types=[EventType.CHAIN_REORG])  # not subscribed
        ask(until_offset=5)  # neither from_offset nor since
        if ask(from_offset=block_offsets[0], until_offset=block_offsets[-1],
               types=[EventType.NEW_BLOCK]):
            ask(from_offset=block_offsets[0], types=[EventType.NEW_BLOCK])


@module.on_replay_end
def on_replay_end(end: plexus.ReplayEnd) -> None:
    record("replay-end", id=end.replay_id, first=end.from_offset, through=end.through_offset,
           events=end.events, holes=end.journal_holes, trimmed=end.trimmed)
    gaps.on_end()


record("ready", minor=module.protocol_minor, capacity=module.channel_capacity,
       replay_capacity=module.replay_capacity)
if module.protocol_minor < 5:
    ask(from_offset=1)  # refused without sending
status = module.run()
record("exit", status=status)
sys.exit(status)
