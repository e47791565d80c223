#pragma once

// PublishReport: what a publish answers, part of the node's public API (Publisher).

#include <cstdint>

namespace plexus::host {

// The fate of one publish across its subscribers.
struct PublishReport {
  std::uint32_t subscribers = 0;  // modules the event was routed to
  std::uint32_t dropped = 0;      // full channel (drop policy, or block without waiting)
  std::uint32_t failed = 0;       // subscriber stopping or gone
  std::uint32_t timedOut = 0;     // block subscribers that did not make room in time
};

}  // namespace plexus::host
