// StopEscalation on one record: Goodbye or not (node shutdown, not connected), the grace ->
// SIGTERM -> SIGKILL timers, nothing for a module already stopping or not running, a pending
// restart cancelled, and escalation timers of an earlier incarnation doing nothing.

#include "supervision/stop_escalation.h"

#include <gtest/gtest.h>
#include <signal.h>

#include "runtime/fake_timers.h"
#include "supervision/fake_spawner.h"
#include "supervision/recorded_events.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

class StopEscalationTest : public ::testing::Test {
 protected:
  // A running record in `state`, its process spawned by the fake.
  ModuleRecord& running(v1::ModuleState state) {
    v1::ModuleConfig config;
    config.set_name("m");
    m_record = std::make_unique<ModuleRecord>(timers, config, true, RestartTracker::Policy{});
    m_record->pid = spawner.spawn(SpawnRequest{}, [](ProcessExit) {})->pid;
    m_record->incarnation = 1;
    m_record->state = state;
    return *m_record;
  }

  FakeTimers timers;
  FakeSpawner spawner;
  RecordedEvents events{timers, {}};
  std::vector<std::pair<std::string, v1::Envelope>> sent;
  StopEscalation stopper{{spawner, events.manager(),
                          [this](const std::string& id, const v1::Envelope& envelope) {
                            sent.emplace_back(id, envelope);
                          }},
                         500ms,
                         300ms};

 private:
  std::unique_ptr<ModuleRecord> m_record;
};

TEST_F(StopEscalationTest, AConnectedModuleIsAskedThenTerminatedThenKilled) {
  ModuleRecord& record = running(v1::MODULE_STATE_READY);
  stopper.stop(record, "unloaded by operator", false);
  EXPECT_EQ(record.state, v1::MODULE_STATE_STOPPING);
  EXPECT_TRUE(record.stopRequested);
  EXPECT_EQ(record.stopReason, "unloaded by operator");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].first, "m");
  EXPECT_EQ(sent[0].second.goodbye().reason(), "unloaded by operator");
  timers.advance(499ms);
  EXPECT_TRUE(spawner.signals.empty());
  timers.advance(1ms);
  timers.advance(300ms);
  EXPECT_EQ(spawner.signalsTo(record.pid), (std::vector<int>{SIGTERM, SIGKILL}));
}

TEST_F(StopEscalationTest, NodeShutdownSendsNoGoodbyeButEscalatesTheSame) {
  ModuleRecord& record = running(v1::MODULE_STATE_HANDSHAKING);
  stopper.stop(record, "node shutdown", true);
  EXPECT_TRUE(sent.empty());
  timers.advance(800ms);
  EXPECT_EQ(spawner.signalsTo(record.pid), (std::vector<int>{SIGTERM, SIGKILL}));
}

TEST_F(StopEscalationTest, AModuleNotConnectedIsTerminatedAtOnce) {
  ModuleRecord& record = running(v1::MODULE_STATE_STARTING);
  stopper.stop(record, "unloaded by operator", false);
  EXPECT_TRUE(sent.empty());
  EXPECT_EQ(spawner.signalsTo(record.pid), std::vector<int>{SIGTERM});
  timers.advance(800ms);
  EXPECT_EQ(spawner.signalsTo(record.pid), (std::vector<int>{SIGTERM, SIGTERM, SIGKILL}));
}

TEST_F(StopEscalationTest, StoppingTwiceChangesNothing) {
  ModuleRecord& record = running(v1::MODULE_STATE_READY);
  stopper.stop(record, "first", false);
  stopper.stop(record, "second", false);
  EXPECT_EQ(record.stopReason, "first");
  EXPECT_EQ(sent.size(), 1u);
  EXPECT_EQ(timers.pendingTimers(), 1u);
}

TEST_F(StopEscalationTest, AnExitedModuleOnlyLosesItsPendingRestart) {
  ModuleRecord& record = running(v1::MODULE_STATE_CRASHED);
  record.pid = 0;
  bool restarted = false;
  record.restartTimer.start(100ms, [&] { restarted = true; });
  stopper.stop(record, "unloaded by operator", false);
  EXPECT_EQ(record.state, v1::MODULE_STATE_STOPPED);
  EXPECT_FALSE(record.stopRequested);
  EXPECT_FALSE(record.restartTimer.pending());
  timers.advance(1s);
  EXPECT_FALSE(restarted);
  EXPECT_TRUE(sent.empty());
  EXPECT_TRUE(spawner.signals.empty());
}

TEST_F(StopEscalationTest, EscalationEndsWithTheIncarnation) {
  ModuleRecord& record = running(v1::MODULE_STATE_READY);
  const pid_t first = record.pid;
  stopper.stop(record, "unloaded by operator", false);
  record.incarnation = 2;  // it exited and the next one started meanwhile
  record.pid = spawner.spawn(SpawnRequest{}, [](ProcessExit) {})->pid;
  timers.advance(1s);
  EXPECT_TRUE(spawner.signalsTo(first).empty());
  EXPECT_TRUE(spawner.signalsTo(record.pid).empty());
}

}  // namespace
}  // namespace plexus::host
