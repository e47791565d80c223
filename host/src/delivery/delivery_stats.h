#pragma once

// Delivery statistics of one module id, per acked lane (event, critical) and in total; see
// stats.proto for the meaning of each field and the two invariants, which hold per lane and so
// in total. Thread rule: owned by the EventManager (loop thread).

#include <plexus/v1/stats.pb.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace plexus::host {

// The lanes whose events hold a slot until acked (docs/design.md "Priority lane"). The
// lifecycle lane is neither bounded nor counted.
enum class AckedLane : std::uint8_t { Event = 0, Critical = 1 };
inline constexpr std::size_t kAckedLanes = 2;

inline v1::Lane wireLane(AckedLane lane) {
  return lane == AckedLane::Critical ? v1::LANE_CRITICAL : v1::LANE_EVENT;
}

struct LaneCounters {
  std::uint64_t routed = 0;
  std::uint64_t successful = 0;
  std::uint64_t channelFull = 0;
  std::uint64_t failed = 0;
  std::uint64_t acked = 0;
  std::uint64_t lost = 0;
  std::uint32_t maxHeld = 0;  // peak of this lane's queued + in_flight
};

struct DeliveryCounters {
  std::array<LaneCounters, kAckedLanes> lanes{};
  std::uint64_t decodeErrors = 0;
  std::uint64_t rejected = 0;
  std::uint64_t filtered = 0;     // not part of routed
  std::uint64_t replayed = 0;     // taken from the journal (durable catch-up); part of successful
  std::uint64_t redelivered = 0;  // of those, sent before to an incarnation that did not ack them
  std::uint64_t holes = 0;        // journal offsets in recorded holes its catch-up crossed
  std::uint64_t trimmed = 0;      // journal offsets retention removed before it read them
  std::uint32_t maxHeld = 0;      // peak of both lanes' queued + in_flight together
  std::int64_t lastEventAtUnixMs = 0;

  LaneCounters& lane(AckedLane which) { return lanes[static_cast<std::size_t>(which)]; }
  const LaneCounters& lane(AckedLane which) const { return lanes[static_cast<std::size_t>(which)]; }
  LaneCounters total() const;
};

struct LaneGauges {
  std::uint32_t queued = 0;
  std::uint32_t inFlight = 0;
  std::uint32_t blocked = 0;
  std::uint32_t capacity = 0;
};

struct DeliveryGauges {
  std::array<LaneGauges, kAckedLanes> lanes{};
};

// Totals, and the per-lane breakdown (DeliveryStats.lanes: event, then critical).
v1::DeliveryStats toProto(const std::string& moduleId, const DeliveryCounters& counters,
                          const DeliveryGauges& gauges);

}  // namespace plexus::host
