#include "metrics/hold_buckets.h"

#include <cstddef>

namespace plexus::host {

Histogram exposedHoldSeconds(const HoldHistogram& holds) {
  Histogram out;
  out.bounds.reserve(kExposedHoldBoundsNs.size());
  for (std::int64_t bound : kExposedHoldBoundsNs)
    out.bounds.push_back(static_cast<double>(bound) / 1e9);
  out.counts.assign(kExposedHoldBoundsNs.size() + 1, 0);
  std::size_t exposed = 0;
  for (std::size_t i = 0; i < holds.counts.size(); ++i) {
    // counts[i]: (kBoundsNs[i-1], kBoundsNs[i]]; the last: past every recorded bound.
    const bool pastRecorded = i == HoldHistogram::kBoundsNs.size();
    while (exposed < kExposedHoldBoundsNs.size() &&
           (pastRecorded || kExposedHoldBoundsNs[exposed] < HoldHistogram::kBoundsNs[i]))
      ++exposed;
    out.counts[exposed] += holds.counts[i];
  }
  out.sum = static_cast<double>(holds.sumNs) / 1e9;
  return out;
}

}  // namespace plexus::host
