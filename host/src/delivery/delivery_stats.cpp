#include "delivery/delivery_stats.h"

#include <algorithm>

namespace plexus::host {

LaneCounters DeliveryCounters::total() const {
  LaneCounters sum;
  for (const LaneCounters& one : lanes) {
    sum.routed += one.routed;
    sum.successful += one.successful;
    sum.channelFull += one.channelFull;
    sum.failed += one.failed;
    sum.acked += one.acked;
    sum.lost += one.lost;
  }
  sum.maxHeld = maxHeld;
  return sum;
}

namespace {

// Unsigned arithmetic: `base + before - after` is exact modulo 2^64 even when a reset re-seeded
// a counter (routed, successful) with what the channel still holds.
void addLane(LaneCounters& into, const LaneCounters& plus, const LaneCounters& minus) {
  into.routed += plus.routed - minus.routed;
  into.successful += plus.successful - minus.successful;
  into.channelFull += plus.channelFull - minus.channelFull;
  into.failed += plus.failed - minus.failed;
  into.acked += plus.acked - minus.acked;
  into.lost += plus.lost - minus.lost;
  into.maxHeld = std::max(into.maxHeld, plus.maxHeld);
}

void addAll(DeliveryCounters& into, const DeliveryCounters& plus, const DeliveryCounters& minus) {
  for (std::size_t i = 0; i < kAckedLanes; ++i)
    addLane(into.lanes[i], plus.lanes[i], minus.lanes[i]);
  into.decodeErrors += plus.decodeErrors - minus.decodeErrors;
  into.rejected += plus.rejected - minus.rejected;
  into.filtered += plus.filtered - minus.filtered;
  into.replayed += plus.replayed - minus.replayed;
  into.redelivered += plus.redelivered - minus.redelivered;
  into.holes += plus.holes - minus.holes;
  into.trimmed += plus.trimmed - minus.trimmed;
  into.maxHeld = std::max(into.maxHeld, plus.maxHeld);
}

}  // namespace

DeliveryCounters sinceStart(const DeliveryCounters& base, const DeliveryCounters& now) {
  DeliveryCounters out = base;
  addAll(out, now, DeliveryCounters{});
  out.lastEventAtUnixMs = now.lastEventAtUnixMs;
  return out;
}

void addReset(DeliveryCounters& base, const DeliveryCounters& before,
              const DeliveryCounters& after) {
  addAll(base, before, after);
}

v1::DeliveryStats toProto(const std::string& moduleId, const DeliveryCounters& counters,
                          const DeliveryGauges& gauges) {
  v1::DeliveryStats out;
  out.set_module_id(moduleId);
  const LaneCounters total = counters.total();
  out.set_routed(total.routed);
  out.set_successful(total.successful);
  out.set_channel_full(total.channelFull);
  out.set_failed(total.failed);
  out.set_acked(total.acked);
  out.set_lost(total.lost);
  out.set_decode_errors(counters.decodeErrors);
  out.set_rejected(counters.rejected);
  out.set_max_held(counters.maxHeld);
  out.set_last_event_at_unix_ms(counters.lastEventAtUnixMs);
  out.set_filtered(counters.filtered);
  out.set_replayed(counters.replayed);
  out.set_redelivered(counters.redelivered);
  out.set_journal_holes(counters.holes);
  out.set_trimmed(counters.trimmed);
  LaneGauges sum;
  for (std::size_t i = 0; i < kAckedLanes; ++i) {
    const LaneCounters& lane = counters.lanes[i];
    const LaneGauges& gauge = gauges.lanes[i];
    sum.queued += gauge.queued;
    sum.inFlight += gauge.inFlight;
    sum.blocked += gauge.blocked;
    sum.capacity += gauge.capacity;
    if (static_cast<AckedLane>(i) == AckedLane::Replay && gauge.capacity == 0 && lane.routed == 0)
      continue;
    v1::LaneStats* stats = out.add_lanes();
    stats->set_lane(wireLane(static_cast<AckedLane>(i)));
    stats->set_routed(lane.routed);
    stats->set_successful(lane.successful);
    stats->set_channel_full(lane.channelFull);
    stats->set_failed(lane.failed);
    stats->set_acked(lane.acked);
    stats->set_lost(lane.lost);
    stats->set_queued(gauge.queued);
    stats->set_in_flight(gauge.inFlight);
    stats->set_max_held(lane.maxHeld);
    stats->set_capacity(gauge.capacity);
    stats->set_blocked(gauge.blocked);
  }
  out.set_queued(sum.queued);
  out.set_in_flight(sum.inFlight);
  out.set_blocked(sum.blocked);
  out.set_capacity(sum.capacity);
  return out;
}

}  // namespace plexus::host
