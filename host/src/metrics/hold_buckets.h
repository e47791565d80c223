#pragma once

// The hold-time buckets /metrics exposes (plexus_module_event_hold_seconds): 11 of the 16 bounds
// the delivery path records (HoldHistogram::kBoundsNs), 100 us to 10 s at ratios of 2.5 and 4,
// with le="1" for the PlexusModuleSlowAcks alert (median over 1 s). Each exposed bucket is the
// exact sum of the recorded buckets below its bound, so merging loses resolution, never counts.
// Thread rule: constants and a pure function, any thread (the loop calls it per snapshot).

#include <array>
#include <cstdint>

#include "delivery/hold_histogram.h"
#include "metrics/metrics_snapshot.h"

namespace plexus::host {

inline constexpr std::array<std::int64_t, 11> kExposedHoldBoundsNs{
    100'000,     250'000,     1'000'000,     2'500'000,     10'000'000,    25'000'000,
    100'000'000, 250'000'000, 1'000'000'000, 2'500'000'000, 10'000'000'000};

// True when every exposed bound is a recorded bound, in ascending order (so a merged bucket is
// exact).
constexpr bool exposedBoundsAreRecordedBounds() {
  std::size_t recorded = 0;
  for (std::int64_t bound : kExposedHoldBoundsNs) {
    while (recorded < HoldHistogram::kBoundsNs.size() && HoldHistogram::kBoundsNs[recorded] < bound)
      ++recorded;
    if (recorded == HoldHistogram::kBoundsNs.size() || HoldHistogram::kBoundsNs[recorded] != bound)
      return false;
  }
  return true;
}
static_assert(exposedBoundsAreRecordedBounds(), "an exposed hold bound is not a recorded one");

// The recorded histogram in the exposed buckets, in seconds: counts merged (not cumulative), the
// last count past the last exposed bound (+Inf), the sum unchanged.
Histogram exposedHoldSeconds(const HoldHistogram& holds);

}  // namespace plexus::host
