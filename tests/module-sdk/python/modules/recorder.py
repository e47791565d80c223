"""A Python module for the SDK's tests: records what it sees as JSON lines in the file named by
its `out` setting. Settings (all optional but `out`):
  subscribe         comma-separated EventType names, e.g. "NEW_BLOCK,NEW_TRANSACTION"
  filter.<TYPE>     a content filter for that type
  publish_on_block  an EventType name: on each NewBlock, publish one (NEW_TRANSACTION or another)
  stats_on_block    "1": on each NewBlock, ask stats() from the handler
  stop_after        stop() after this many event-lane events
  before_run        "1": publish a NewBlock and ask stats() from the main thread before run()
  use_async         "1": async handlers under run_async()
  sleep_before_run  seconds of (slow) set-up between connecting and run()
  sleep_in_block    seconds each NewBlock handler takes
  gate_file         a path: the first NewBlock handler waits (30 s at most) until it exists
  relay_from        "NODE:P": the i-th publish (from 0) carries origin {NODE, offset i % P + 1}, as
                    a relay module does (capabilities.relay); its record says whether the node
                    answered it as a duplicate
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from typing import Any, Dict

import plexus
from plexus import Delivery, EventType, events_pb2

module = plexus.Module.from_environment(name="recorder", version="9.9")
out = open(module.setting("out"), "a", buffering=1)
handled = 0
relayed = 0


def record(kind: str, **fields: Any) -> None:
    out.write(json.dumps({"kind": kind, **fields}) + "\n")


def delivery_record(d: Delivery) -> Dict[str, Any]:
    fields: Dict[str, Any] = {
        "type": EventType(d.type).name, "seq": d.sequence, "dropped_before": d.dropped_before,
        "lane": plexus.Lane(d.lane).name, "offset": d.offset, "flags": d.flags,
        "lifecycle": d.is_lifecycle, "critical": d.is_critical, "replayed": d.is_replayed,
        "redelivered": d.is_redelivered, "source": d.event.source,
    }
    if d.type == EventType.MODULE_LOADED:
        fields["module"] = d.event.module_loaded.module_id
        fields["name"] = d.event.module_loaded.name
    elif d.type == EventType.NEW_BLOCK:
        fields["height"] = d.event.new_block.height
    elif d.type == EventType.NEW_TRANSACTION:
        fields["txid"] = d.event.new_transaction.txid
    return fields


def publish(event_type: str, height: int) -> None:
    global relayed
    if event_type == "NEW_TRANSACTION":
        payload: Any = events_pb2.NewTransaction(txid=f"tx{height}", size=200, fee=height)
    elif event_type == "NEW_BLOCK":
        payload = events_pb2.NewBlock(hash="ab", height=height)
    else:
        payload = events_pb2.ChainReorg(old_tip="aa", new_tip="bb", fork_height=height)
    event = plexus.make_event(payload)
    if module.setting("relay_from"):
        node, period = module.setting("relay_from").split(":")
        event.origin.node, event.origin.module = node, "chainsim"
        event.origin.offset = relayed % int(period) + 1
        relayed += 1
    try:
        response = module.publish(event)
    except plexus.PublishError as e:
        record("publish_error", code=plexus.ErrorCode(e.code).name, message=e.message,
               response=e.response is not None)
    else:
        record("published", type=event_type, subscribers=response.subscribers,
               accepted=response.accepted, dropped=response.dropped,
               duplicate=response.duplicate, origin_offset=event.origin.offset)


def stats() -> None:
    s = module.stats()
    record("stats", routed=s.routed, successful=s.successful, acked=s.acked,
           in_flight=s.in_flight, capacity=s.capacity, channel_full=s.channel_full)


def on_event(d: Delivery) -> None:
    global handled
    record("event", **delivery_record(d))
    if d.type == EventType.NEW_BLOCK:
        gate = module.setting("gate_file")
        if gate and handled == 0:  # held until the test opens the gate
            deadline = time.monotonic() + 30.0
            while not os.path.exists(gate) and time.monotonic() < deadline:
                time.sleep(0.005)  # polling a file the test creates, with a deadline
        time.sleep(float(module.setting("sleep_in_block", "0")))  # a slow handler
        if module.setting("publish_on_block"):
            publish(module.setting("publish_on_block"), d.event.new_block.height)
        if module.setting("stats_on_block") == "1":
            stats()
    if d.lane == plexus.Lane.EVENT:
        handled += 1
        if handled == int(module.setting("stop_after", "0") or 0):
            module.stop()


async def on_event_async(d: Delivery) -> None:
    await asyncio.sleep(0)  # a real coroutine: it yields to the loop before finishing
    on_event(d)


handler = on_event_async if module.setting("use_async") == "1" else on_event
types = [t for t in module.setting("subscribe").split(",") if t]
for name in types + ["MODULE_LOADED", "NODE_SHUTDOWN"]:
    module.on(EventType[name], handler, filter=module.setting(f"filter.{name}"))

record("ready", id=module.id, capacity=module.channel_capacity, minor=module.protocol_minor,
       incarnation=module.incarnation, settings=dict(module.settings), node_name=module.node_name)
time.sleep(float(module.setting("sleep_before_run", "0")))  # a slow set-up
if module.setting("before_run") == "1":
    publish("NEW_BLOCK", 1)
    stats()

if module.setting("use_async") == "1":
    status = asyncio.run(module.run_async())
else:
    status = module.run()
record("exit", status=status,
       refused={EventType(t).name: why for t, why in module.refused.items()})
sys.exit(status)
