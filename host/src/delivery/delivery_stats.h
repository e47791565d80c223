#pragma once

// Delivery statistics of one module id, per acked lane (event, critical, replay) and in total; see
// stats.proto for the meaning of each field and the two invariants, which hold per lane and so
// in total. Thread rule: owned by the EventManager (loop thread).

#include <plexus/v1/stats.pb.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace plexus::host {

// The lanes whose events hold a slot until acked (docs/design.md "Priority lane", "Replay on
// request"). The lifecycle lane is neither bounded nor counted.
enum class AckedLane : std::uint8_t { Event = 0, Critical = 1, Replay = 2 };
inline constexpr std::size_t kAckedLanes = 3;

inline v1::Lane wireLane(AckedLane lane) {
  switch (lane) {
    case AckedLane::Critical:
      return v1::LANE_CRITICAL;
    case AckedLane::Replay:
      return v1::LANE_REPLAY;
    case AckedLane::Event:
      break;
  }
  return v1::LANE_EVENT;
}
// The acked lane a wire lane names; nullopt for the lifecycle lane and unknown values
// (LANE_UNSPECIFIED, what a 1.2 SDK's Ack carries, is the event lane).
inline std::optional<AckedLane> ackedLane(v1::Lane lane) {
  switch (lane) {
    case v1::LANE_UNSPECIFIED:
    case v1::LANE_EVENT:
      return AckedLane::Event;
    case v1::LANE_CRITICAL:
      return AckedLane::Critical;
    case v1::LANE_REPLAY:
      return AckedLane::Replay;
    default:
      return std::nullopt;
  }
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
  std::uint64_t replayed = 0;     // taken from the journal (catch-up, replay); part of successful
  std::uint64_t redelivered = 0;  // of those, sent before to an incarnation that did not ack them
  std::uint64_t holes = 0;        // journal offsets in recorded holes its reads crossed
  std::uint64_t trimmed = 0;      // journal offsets retention removed before it read them
  std::uint32_t maxHeld = 0;      // peak of all lanes' queued + in_flight together
  std::int64_t lastEventAtUnixMs = 0;

  LaneCounters& lane(AckedLane which) { return lanes[static_cast<std::size_t>(which)]; }
  const LaneCounters& lane(AckedLane which) const { return lanes[static_cast<std::size_t>(which)]; }
  LaneCounters total() const;
};

// Since node start: `base` (what resets zeroed) plus `now`; a reset adds what it takes away to
// the base (addReset), so counters since start never go down (docs/design.md "Metrics").
DeliveryCounters sinceStart(const DeliveryCounters& base, const DeliveryCounters& now);
void addReset(DeliveryCounters& base, const DeliveryCounters& before,
              const DeliveryCounters& after);

struct LaneGauges {
  std::uint32_t queued = 0;
  std::uint32_t inFlight = 0;
  std::uint32_t blocked = 0;
  std::uint32_t capacity = 0;
};

struct DeliveryGauges {
  std::array<LaneGauges, kAckedLanes> lanes{};
};

// Totals, and the per-lane breakdown (DeliveryStats.lanes: event, critical, then replay - the
// replay lane only for a module that has one or had events on it).
v1::DeliveryStats toProto(const std::string& moduleId, const DeliveryCounters& counters,
                          const DeliveryGauges& gauges);

}  // namespace plexus::host
