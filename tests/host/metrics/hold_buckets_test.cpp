#include "metrics/hold_buckets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

namespace plexus::host {
namespace {

TEST(HoldBucketsTest, TheExposedBoundsSpan100UsTo10SWithOneSecondForTheSlowAckAlert) {
  const Histogram exposed = exposedHoldSeconds(HoldHistogram{});
  ASSERT_EQ(exposed.bounds.size(), 11U);
  EXPECT_DOUBLE_EQ(exposed.bounds.front(), 0.0001);
  EXPECT_DOUBLE_EQ(exposed.bounds.back(), 10.0);
  EXPECT_NE(std::find(exposed.bounds.begin(), exposed.bounds.end(), 1.0), exposed.bounds.end())
      << "PlexusModuleSlowAcks: histogram_quantile(0.5, ...) > 1 needs le=\"1\"";
  EXPECT_TRUE(std::is_sorted(exposed.bounds.begin(), exposed.bounds.end()));
  for (std::size_t i = 1; i < exposed.bounds.size(); ++i) {
    const double ratio = exposed.bounds[i] / exposed.bounds[i - 1];
    EXPECT_LE(ratio, 4.0 + 1e-9) << "at " << exposed.bounds[i];
  }
  EXPECT_EQ(exposed.counts.size(), exposed.bounds.size() + 1) << "+Inf";
}

TEST(HoldBucketsTest, MergedBucketsCountEveryObservationBelowTheirBoundExactly) {
  // One observation exactly at each recorded bound, one just above it, one past every bound.
  HoldHistogram holds;
  for (std::int64_t bound : HoldHistogram::kBoundsNs) {
    holds.observe(bound);
    holds.observe(bound + 1);
  }
  holds.observe(HoldHistogram::kBoundsNs.back() * 2);
  const Histogram exposed = exposedHoldSeconds(holds);
  const std::uint64_t total = std::accumulate(holds.counts.begin(), holds.counts.end(), 0ULL);
  EXPECT_EQ(std::accumulate(exposed.counts.begin(), exposed.counts.end(), 0ULL), total);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < exposed.bounds.size(); ++i) {
    cumulative += exposed.counts[i];
    const auto boundNs = std::llround(exposed.bounds[i] * 1e9);
    std::uint64_t atOrBelow = 0;  // what the recorded histogram says for le = this bound
    for (std::int64_t bound : HoldHistogram::kBoundsNs)
      atOrBelow += (bound <= boundNs ? 1 : 0) + (bound + 1 <= boundNs ? 1 : 0);
    EXPECT_EQ(cumulative, atOrBelow) << "le=" << exposed.bounds[i];
  }
  EXPECT_EQ(exposed.counts.back(), 2U) << "above 10 s: 10 s + 1 ns and 20 s";
  EXPECT_DOUBLE_EQ(exposed.sum, static_cast<double>(holds.sumNs) / 1e9);
}

TEST(HoldBucketsTest, ANegativeOrZeroHoldFallsInTheFirstBucket) {
  HoldHistogram holds;
  holds.observe(-5);
  holds.observe(0);
  const Histogram exposed = exposedHoldSeconds(holds);
  EXPECT_EQ(exposed.counts.front(), 2U);
  EXPECT_DOUBLE_EQ(exposed.sum, 0.0);
}

}  // namespace
}  // namespace plexus::host
