// ShutdownSequence with a real loop and EventManager and recording steps: NodeShutdown to every
// attached module (subscribed or not), intake closed before the modules are stopped, a repeat
// within a second ignored and a later one killing, and the end: NodeShutdownCompleted, the
// last statistics, the loop stopped.

#include "node/shutdown_sequence.h"

#include <gtest/gtest.h>

#include "fakes/recording_sink.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

class ShutdownSequenceTest : public ::testing::Test {
 protected:
  ShutdownSequenceTest() {
    ModuleAttachment module;
    module.moduleId = "m";
    events.attach(module);  // attached, subscribed to nothing
  }

  ShutdownSequence::Steps steps() {
    return {
        .closeIntake = [this] { calls.emplace_back("closeIntake"); },
        .stopModules =
            [this](std::function<void()> done) {
              calls.emplace_back("stopModules");
              allStopped = std::move(done);
            },
        .killModules = [this] { calls.emplace_back("killModules"); },
        .stopped = [this] { calls.emplace_back("stopped"); },
    };
  }

  std::vector<v1::Event> lifecycle() {
    events.flush();
    return sink.events("m", v1::LANE_LIFECYCLE);
  }

  fakes::RecordingSink sink;
  EventManager events{sink, EventManager::Options()};
  EventLoop loop;
  std::vector<std::string> calls;
  std::function<void()> allStopped;
  ShutdownSequence::Clock::time_point now = ShutdownSequence::Clock::time_point(1h);
  ShutdownSequence shutdown{loop, events, 1500ms, 3, steps(), [this] { return now; }};
};

TEST_F(ShutdownSequenceTest, BeginTellsEveryModuleThenClosesIntakeThenStopsTheModules) {
  EXPECT_FALSE(shutdown.started());
  shutdown.begin("signal TERM");
  EXPECT_TRUE(shutdown.started());
  EXPECT_EQ(calls, (std::vector<std::string>{"closeIntake", "stopModules"}));
  const auto told = lifecycle();
  ASSERT_EQ(told.size(), 1u);
  ASSERT_TRUE(told[0].has_node_shutdown()) << told[0].DebugString();
  EXPECT_EQ(told[0].node_shutdown().reason(), "signal TERM");
  EXPECT_EQ(told[0].node_shutdown().grace_ms(), 1500u);
  EXPECT_EQ(told[0].node_shutdown().deadline_unix_ms(),
            told[0].published_at_unix_ns() / 1000000 + 1500);
  EXPECT_FALSE(loop.stopping()) << "not before the modules stopped";
}

TEST_F(ShutdownSequenceTest, ARepeatWithinASecondIsIgnoredALaterOneKills) {
  shutdown.begin("signal INT");
  now += 999ms;
  shutdown.begin("signal INT");  // `timeout` signals the process and its group
  EXPECT_EQ(calls, (std::vector<std::string>{"closeIntake", "stopModules"}));
  now += 1ms;
  shutdown.begin("signal INT");
  EXPECT_EQ(calls, (std::vector<std::string>{"closeIntake", "stopModules", "killModules"}));
  EXPECT_EQ(lifecycle().size(), 1u) << "NodeShutdown is sent once";
}

TEST_F(ShutdownSequenceTest, OnceTheModulesStoppedItCompletesAndStopsTheLoop) {
  shutdown.begin("shutdown requested");
  ASSERT_TRUE(allStopped);
  allStopped();
  EXPECT_EQ(calls, (std::vector<std::string>{"closeIntake", "stopModules", "stopped"}));
  const auto told = sink.events("m", v1::LANE_LIFECYCLE);  // flushed by the sequence itself
  ASSERT_EQ(told.size(), 2u);
  ASSERT_TRUE(told[1].has_node_shutdown_completed());
  EXPECT_EQ(told[1].node_shutdown_completed().modules_stopped(), 3u);
  EXPECT_TRUE(loop.stopping());
}

}  // namespace
}  // namespace plexus::host
