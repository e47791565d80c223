// IncarnationTimer: runs its callback after the delay only while the incarnation that started
// it is current; restarting or cancelling replaces what was pending; destroying it cancels.

#include "supervision/incarnation_timer.h"

#include <gtest/gtest.h>

#include "runtime/fake_timers.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

TEST(IncarnationTimerTest, RunsAfterItsDelayWhileTheIncarnationIsCurrent) {
  FakeTimers timers;
  std::uint64_t incarnation = 1;
  IncarnationTimer timer(timers, incarnation);
  int runs = 0;
  timer.start(100ms, [&] { ++runs; });
  EXPECT_TRUE(timer.pending());
  timers.advance(99ms);
  EXPECT_EQ(runs, 0);
  timers.advance(1ms);
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(timer.pending());
  timers.advance(1s);
  EXPECT_EQ(runs, 1);
}

TEST(IncarnationTimerTest, DoesNothingOnceAnotherIncarnationStarted) {
  FakeTimers timers;
  std::uint64_t incarnation = 1;
  IncarnationTimer timer(timers, incarnation);
  int runs = 0;
  timer.start(100ms, [&] { ++runs; });
  incarnation = 2;
  timers.advance(100ms);
  EXPECT_EQ(runs, 0);
  EXPECT_FALSE(timer.pending());
}

TEST(IncarnationTimerTest, StartingAgainReplacesAndCancelStops) {
  FakeTimers timers;
  std::uint64_t incarnation = 1;
  IncarnationTimer timer(timers, incarnation);
  std::vector<int> ran;
  timer.start(100ms, [&] { ran.push_back(1); });
  timer.start(200ms, [&] { ran.push_back(2); });
  EXPECT_EQ(timers.pendingTimers(), 1u);
  timers.advance(300ms);
  EXPECT_EQ(ran, std::vector<int>{2});

  timer.start(100ms, [&] { ran.push_back(3); });
  timer.cancel();
  timer.cancel();  // twice is harmless
  EXPECT_FALSE(timer.pending());
  EXPECT_EQ(timers.pendingTimers(), 0u);
  timers.advance(1s);
  EXPECT_EQ(ran, std::vector<int>{2});
}

TEST(IncarnationTimerTest, ItsCallbackMayStartItAgain) {
  FakeTimers timers;
  std::uint64_t incarnation = 1;
  IncarnationTimer timer(timers, incarnation);
  int runs = 0;
  std::function<void()> tick = [&] {
    if (++runs < 3) timer.start(10ms, tick);
  };
  timer.start(10ms, tick);
  timers.advance(100ms);
  EXPECT_EQ(runs, 3);
}

TEST(IncarnationTimerTest, DestroyingItCancelsWhatWasPending) {
  FakeTimers timers;
  std::uint64_t incarnation = 1;
  int runs = 0;
  {
    IncarnationTimer timer(timers, incarnation);
    timer.start(100ms, [&] { ++runs; });
  }
  EXPECT_EQ(timers.pendingTimers(), 0u);
  timers.advance(1s);
  EXPECT_EQ(runs, 0);
}

}  // namespace
}  // namespace plexus::host
