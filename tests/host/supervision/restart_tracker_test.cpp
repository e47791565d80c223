// RestartTracker: exponential backoff with a cap, the crash-rate limit over a sliding window,
// and the rule that only a stable incarnation resets the backoff. Time is passed in.

#include "supervision/restart_tracker.h"

#include <gtest/gtest.h>

namespace plexus::host {
namespace {

using Millis = RestartTracker::Millis;
using std::chrono::minutes;
using std::chrono::seconds;

RestartTracker::Policy testPolicy() {
  RestartTracker::Policy policy;
  policy.initialBackoff = Millis(100);
  policy.maxBackoff = Millis(1000);
  policy.crashLimit = 3;
  policy.crashWindow = Millis(60'000);
  policy.stableAfter = Millis(5'000);
  return policy;
}

class RestartTrackerTest : public ::testing::Test {
 protected:
  // Clean exits, so the crash limit never interferes with backoff checks.
  std::optional<Millis> cleanExit(std::optional<Millis> readyFor = std::nullopt) {
    now += seconds(1);
    return tracker.onExit(now, false, readyFor);
  }
  std::optional<Millis> crash(std::optional<Millis> readyFor = std::nullopt) {
    now += seconds(1);
    return tracker.onExit(now, true, readyFor);
  }

  RestartTracker::Clock::time_point now = RestartTracker::Clock::time_point(minutes(10));
  RestartTracker tracker{testPolicy()};
};

TEST_F(RestartTrackerTest, BackoffDoublesAndCapsAtMax) {
  EXPECT_EQ(tracker.nextBackoff(), Millis(100));
  EXPECT_EQ(cleanExit(), Millis(100));
  EXPECT_EQ(cleanExit(), Millis(200));
  EXPECT_EQ(cleanExit(), Millis(400));
  EXPECT_EQ(cleanExit(), Millis(800));
  EXPECT_EQ(cleanExit(), Millis(1000));  // 1600 capped
  EXPECT_EQ(cleanExit(), Millis(1000));
  EXPECT_EQ(tracker.nextBackoff(), Millis(1000));
}

TEST_F(RestartTrackerTest, CrashLimitWithinTheWindowGivesUp) {
  EXPECT_EQ(crash(), Millis(100));
  EXPECT_EQ(crash(), Millis(200));
  EXPECT_EQ(tracker.recentCrashes(), 2u);
  EXPECT_EQ(crash(), std::nullopt);  // third crash within 60 s
  EXPECT_EQ(tracker.recentCrashes(), 3u);
}

TEST_F(RestartTrackerTest, CrashesOlderThanTheWindowAreForgotten) {
  EXPECT_TRUE(crash().has_value());
  EXPECT_TRUE(crash().has_value());
  now += seconds(61);  // both earlier crashes now lie outside the 60 s window
  auto delay = crash();
  EXPECT_TRUE(delay.has_value());
  EXPECT_EQ(tracker.recentCrashes(), 1u);

  // Only one older crash drops out: the limit is hit again with two recent ones.
  EXPECT_TRUE(crash().has_value());
  EXPECT_EQ(crash(), std::nullopt);
}

TEST_F(RestartTrackerTest, CrashExactlyAtTheWindowEdgeStillCounts) {
  const auto start = now;
  EXPECT_TRUE(tracker.onExit(start, true, std::nullopt).has_value());
  EXPECT_TRUE(tracker.onExit(start + seconds(30), true, std::nullopt).has_value());
  EXPECT_EQ(tracker.onExit(start + seconds(60), true, std::nullopt), std::nullopt);
}

TEST_F(RestartTrackerTest, BackoffResetsAfterAStableIncarnation) {
  EXPECT_EQ(cleanExit(), Millis(100));
  EXPECT_EQ(cleanExit(), Millis(200));
  EXPECT_EQ(cleanExit(), Millis(400));
  // Ready exactly stableAfter: productive, back to the initial delay.
  EXPECT_EQ(cleanExit(Millis(5'000)), Millis(100));
  EXPECT_EQ(cleanExit(), Millis(200));
  EXPECT_EQ(cleanExit(Millis(60'000)), Millis(100));
}

TEST_F(RestartTrackerTest, ShortReadinessDoesNotResetTheBackoff) {
  EXPECT_EQ(cleanExit(), Millis(100));
  EXPECT_EQ(cleanExit(), Millis(200));
  // Crashing right after becoming ready keeps backing off.
  EXPECT_EQ(cleanExit(Millis(4'999)), Millis(400));
  EXPECT_EQ(cleanExit(Millis(0)), Millis(800));
  EXPECT_EQ(cleanExit(std::nullopt), Millis(1000));
}

TEST_F(RestartTrackerTest, StableIncarnationResetsBackoffButNotTheCrashHistory) {
  EXPECT_EQ(crash(), Millis(100));
  EXPECT_EQ(crash(), Millis(200));
  // A stable run resets the delay, yet two recent crashes plus this one reach the limit.
  EXPECT_EQ(crash(Millis(10'000)), std::nullopt);
}

TEST_F(RestartTrackerTest, CleanExitsDoNotCountTowardTheCrashLimit) {
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(cleanExit().has_value()) << i;
  }
  EXPECT_EQ(tracker.recentCrashes(), 0u);
  EXPECT_TRUE(crash().has_value());
  EXPECT_TRUE(crash().has_value());
  EXPECT_TRUE(cleanExit().has_value());
  EXPECT_EQ(tracker.recentCrashes(), 2u);
}

TEST_F(RestartTrackerTest, ResetForgetsCrashesAndBackoff) {
  EXPECT_EQ(crash(), Millis(100));
  EXPECT_EQ(crash(), Millis(200));
  tracker.reset();
  EXPECT_EQ(tracker.recentCrashes(), 0u);
  EXPECT_EQ(tracker.nextBackoff(), Millis(100));
  EXPECT_EQ(crash(), Millis(100));  // would have been the third crash without the reset
  EXPECT_EQ(crash(), Millis(200));
  EXPECT_EQ(crash(), std::nullopt);
}

}  // namespace
}  // namespace plexus::host
