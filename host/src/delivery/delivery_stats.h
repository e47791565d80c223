#pragma once

// Delivery statistics of one module id (event lane only); see stats.proto for the meaning of
// each field and the two invariants. Thread rule: owned by the EventManager (loop thread).

#include <plexus/v1/stats.pb.h>

#include <cstdint>
#include <string>

namespace plexus::host {

struct DeliveryCounters {
  std::uint64_t routed = 0;
  std::uint64_t successful = 0;
  std::uint64_t channelFull = 0;
  std::uint64_t failed = 0;
  std::uint64_t acked = 0;
  std::uint64_t lost = 0;
  std::uint64_t decodeErrors = 0;
  std::uint64_t rejected = 0;
  std::uint64_t filtered = 0;  // not part of routed
  std::uint32_t maxHeld = 0;
  std::int64_t lastEventAtUnixMs = 0;
};

struct DeliveryGauges {
  std::uint32_t queued = 0;
  std::uint32_t inFlight = 0;
  std::uint32_t blocked = 0;
  std::uint32_t capacity = 0;
};

v1::DeliveryStats toProto(const std::string& moduleId, const DeliveryCounters& counters,
                          const DeliveryGauges& gauges);

}  // namespace plexus::host
