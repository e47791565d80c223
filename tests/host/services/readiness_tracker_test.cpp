// ReadinessTracker with fake time and a recording notifier: READY=1 waits for every module to
// settle (ready, stopped, failed, crashed with no restart due), or for the ready timeout with
// the laggards named; STATUS= follows the counts at most once per status interval; STOPPING=1
// ends it; a disabled notifier costs nothing.

#include "services/readiness_tracker.h"

#include <gtest/gtest.h>

#include "fakes/recording_notifier.h"
#include "runtime/fake_timers.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

class ReadinessTrackerTest : public ::testing::Test {
 protected:
  void add(const std::string& id, v1::ModuleState state) { modules.push_back({id, state, false}); }
  void set(const std::string& id, v1::ModuleState state, bool restartPending = false) {
    for (auto& module : modules) {
      if (module.id == id) module = {id, state, restartPending};
    }
  }
  std::size_t readyCount() const {
    std::size_t count = 0;
    for (const auto& message : notifier.messages) {
      count += message.find("READY=1") != std::string::npos ? 1 : 0;
    }
    return count;
  }
  std::string last() const { return notifier.messages.empty() ? "" : notifier.messages.back(); }

  FakeTimers timers;
  fakes::RecordingNotifier notifier;
  std::vector<ModuleStateView> modules;
  ReadinessTracker tracker{
      timers,
      notifier,
      [this] { return modules; },
      {.readyTimeout = 5000ms, .pollInterval = 100ms, .statusInterval = 500ms}};
};

TEST_F(ReadinessTrackerTest, ANodeWithoutModulesIsReadyAtOnce) {
  tracker.start();
  EXPECT_TRUE(tracker.ready());
  ASSERT_EQ(notifier.messages.size(), 1u);
  EXPECT_EQ(notifier.messages[0], "READY=1\nSTATUS=0 modules");
}

TEST_F(ReadinessTrackerTest, ReadyOnlyOnceEveryModuleSettled) {
  add("a", v1::MODULE_STATE_STARTING);
  add("b", v1::MODULE_STATE_STARTING);
  add("c", v1::MODULE_STATE_STOPPED);  // disabled: never started
  tracker.start();
  EXPECT_FALSE(tracker.ready());
  EXPECT_EQ(last(), "STATUS=starting: 3 modules: 2 starting, 1 stopped");
  set("a", v1::MODULE_STATE_READY);
  set("b", v1::MODULE_STATE_HANDSHAKING);
  timers.advance(1000ms);
  EXPECT_EQ(readyCount(), 0u);
  set("b", v1::MODULE_STATE_READY);
  timers.advance(100ms);
  EXPECT_TRUE(tracker.ready());
  EXPECT_EQ(last(), "READY=1\nSTATUS=3 modules: 2 ready, 1 stopped");
  timers.advance(10s);
  EXPECT_EQ(readyCount(), 1u) << "READY=1 is sent once";
}

TEST_F(ReadinessTrackerTest, FailedAndCrashedWithoutRestartDoNotHoldReady) {
  add("ok", v1::MODULE_STATE_READY);
  add("bad", v1::MODULE_STATE_FAILED);
  add("flaky", v1::MODULE_STATE_CRASHED);
  modules.back().restartPending = true;
  tracker.start();
  EXPECT_FALSE(tracker.ready()) << "a crashed module with its restart due holds READY";
  set("flaky", v1::MODULE_STATE_CRASHED, false);
  timers.advance(100ms);
  EXPECT_TRUE(tracker.ready());
  EXPECT_EQ(last(), "READY=1\nSTATUS=3 modules: 1 ready, 1 crashed, 1 failed");
}

TEST_F(ReadinessTrackerTest, TheReadyTimeoutNamesTheLaggards) {
  add("ok", v1::MODULE_STATE_READY);
  add("sleeper", v1::MODULE_STATE_STARTING);
  add("flaky", v1::MODULE_STATE_CRASHED);
  modules.back().restartPending = true;
  tracker.start();
  timers.advance(4900ms);
  EXPECT_EQ(readyCount(), 0u);
  timers.advance(100ms);
  ASSERT_TRUE(tracker.ready());
  EXPECT_EQ(last(),
            "READY=1\nSTATUS=3 modules: 1 ready, 1 starting, 1 crashed; not ready after 5000 ms: "
            "sleeper (starting), flaky (crashed, restart pending)");
  // Laggards stay named while they lag, then the counts alone.
  set("sleeper", v1::MODULE_STATE_READY);
  set("flaky", v1::MODULE_STATE_READY);
  timers.advance(1s);
  EXPECT_EQ(last(), "STATUS=3 modules: 3 ready");
}

TEST_F(ReadinessTrackerTest, StatusFollowsTheCountsAtMostOncePerInterval) {
  add("a", v1::MODULE_STATE_READY);
  tracker.start();
  ASSERT_EQ(notifier.messages.size(), 1u);
  // Flapping every poll: at most one status per 500 ms.
  for (int i = 0; i < 20; ++i) {
    set("a", i % 2 == 0 ? v1::MODULE_STATE_CRASHED : v1::MODULE_STATE_READY);
    timers.advance(100ms);
  }
  EXPECT_LE(notifier.messages.size(), 1u + 4u) << "2 s of flapping";
  EXPECT_GE(notifier.messages.size(), 1u + 2u);
  const std::size_t before = notifier.messages.size();
  timers.advance(2s);  // nothing changes: nothing sent
  set("a", v1::MODULE_STATE_READY);
  timers.advance(2s);
  EXPECT_LE(notifier.messages.size(), before + 1);
  EXPECT_EQ(last(), "STATUS=1 module: 1 ready");
}

TEST_F(ReadinessTrackerTest, StoppingIsTheLastWord) {
  add("a", v1::MODULE_STATE_STARTING);
  tracker.start();
  tracker.stopping();
  EXPECT_EQ(last(), "STOPPING=1\nSTATUS=stopping: 1 module: 1 starting");
  const std::size_t count = notifier.messages.size();
  set("a", v1::MODULE_STATE_READY);
  timers.advance(10s);
  EXPECT_EQ(notifier.messages.size(), count);
  tracker.stopping();
  EXPECT_EQ(notifier.messages.size(), count) << "once";
}

TEST(ReadinessTrackerDisabledTest, WithoutANotifySocketNothingRunsOrIsSent) {
  FakeTimers timers;
  fakes::RecordingNotifier notifier(false);
  int snapshots = 0;
  ReadinessTracker tracker(timers, notifier,
                           [&] {
                             ++snapshots;
                             return std::vector<ModuleStateView>{};
                           },
                           {});
  tracker.start();
  timers.advance(60s);
  tracker.stopping();
  EXPECT_EQ(snapshots, 0);
  EXPECT_TRUE(notifier.messages.empty());
}

TEST(ReadinessTrackerNamesTest, SettledStatesAndCounts) {
  EXPECT_TRUE(settled({"a", v1::MODULE_STATE_READY, false}));
  EXPECT_TRUE(settled({"a", v1::MODULE_STATE_STOPPED, false}));
  EXPECT_TRUE(settled({"a", v1::MODULE_STATE_FAILED, false}));
  EXPECT_TRUE(settled({"a", v1::MODULE_STATE_CRASHED, false}));
  EXPECT_FALSE(settled({"a", v1::MODULE_STATE_CRASHED, true}));
  EXPECT_FALSE(settled({"a", v1::MODULE_STATE_STARTING, false}));
  EXPECT_FALSE(settled({"a", v1::MODULE_STATE_HANDSHAKING, false}));
  EXPECT_FALSE(settled({"a", v1::MODULE_STATE_STOPPING, false}));
  EXPECT_TRUE(settled({"far", v1::MODULE_STATE_DISCONNECTED, false})) << "remote: not awaited";
  EXPECT_EQ(moduleCounts({}), "0 modules");
  EXPECT_EQ(moduleCounts({{"a", v1::MODULE_STATE_READY, false},
                          {"far", v1::MODULE_STATE_DISCONNECTED, false}}),
            "2 modules: 1 ready, 1 disconnected");
  EXPECT_EQ(laggards({{"a", v1::MODULE_STATE_READY, false}}), "");
}

}  // namespace
}  // namespace plexus::host
