// LivenessMonitor on records it does not own: its period (heartbeat interval / 2, at least
// 20 ms), stop(), and which modules it looks at: only running, connected ones the node has not
// already killed; a stopping module can still be killed as hung but is never made unhealthy;
// after a pause of the node nobody is judged until the grace passed.

#include "supervision/liveness_monitor.h"

#include <gtest/gtest.h>
#include <signal.h>

#include "runtime/fake_timers.h"
#include "supervision/fake_spawner.h"
#include "supervision/recorded_events.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

class LivenessMonitorTest : public ::testing::Test {
 protected:
  ModuleRecord& add(const std::string& id, v1::ModuleState state) {
    v1::ModuleConfig config;
    config.set_name(id);
    records.push_back(
        std::make_unique<ModuleRecord>(timers, config, true, RestartTracker::Policy{}));
    ModuleRecord& record = *records.back();
    record.pid = spawner.spawn(SpawnRequest{}, [](ProcessExit) {})->pid;
    record.incarnation = 1;
    record.state = state;
    record.lastTraffic = timers.now();
    return record;
  }
  v1::Timings timings(std::uint64_t heartbeatMs) {
    v1::Timings t;
    t.set_heartbeat_interval_ms(heartbeatMs);
    t.set_missed_heartbeats(2);
    t.set_dead_timeout_ms(1000);
    t.set_stall_timeout_ms(1000);
    return t;
  }
  std::unique_ptr<LivenessMonitor> monitor(std::uint64_t heartbeatMs) {
    return std::make_unique<LivenessMonitor>(
        LivenessMonitor::Dependencies{
            timers, events.manager(), spawner,
            [this](const std::string& id, const v1::Envelope&) { probed.push_back(id); }},
        records, timings(heartbeatMs));
  }

  FakeTimers timers;
  FakeSpawner spawner;
  RecordedEvents events{timers, {v1::EVENT_TYPE_MODULE_HEALTH_CHANGED}};
  ModuleRecords records;
  std::vector<std::string> probed;
};

TEST_F(LivenessMonitorTest, ChecksEveryHalfHeartbeatButNotMoreOftenThan20Ms) {
  auto everyHundred = monitor(200);
  everyHundred->start();
  EXPECT_EQ(timers.nextIn(), 100ms);
  everyHundred->stop();
  EXPECT_EQ(timers.pendingTimers(), 0u);

  auto fastest = monitor(10);
  fastest->start();
  EXPECT_EQ(timers.nextIn(), 20ms);
  timers.advance(20ms);
  EXPECT_EQ(timers.nextIn(), 20ms);  // and again
  fastest.reset();                   // destroying it stops it
  EXPECT_EQ(timers.pendingTimers(), 0u);
}

TEST_F(LivenessMonitorTest, LooksOnlyAtRunningConnectedModulesTheNodeHasNotKilled) {
  add("starting", v1::MODULE_STATE_STARTING);
  add("exited", v1::MODULE_STATE_READY).pid = 0;
  add("killed", v1::MODULE_STATE_READY).killReason = "connection lost";
  auto live = monitor(200);
  timers.advance(2s);
  live->check();
  EXPECT_TRUE(spawner.signals.empty());
  EXPECT_TRUE(probed.empty());
  EXPECT_TRUE(events.take().empty());
}

TEST_F(LivenessMonitorTest, AStoppingModuleIsNeverUnhealthyButCanBeKilledAsHung) {
  ModuleRecord& stopping = add("stopping", v1::MODULE_STATE_STOPPING);
  auto live = monitor(200);
  timers.advance(1000ms);
  live->check();  // silent for 2 heartbeats and more, not for the dead timeout yet
  EXPECT_TRUE(probed.empty());
  EXPECT_TRUE(events.take().empty());
  timers.advance(1ms);
  live->check();
  EXPECT_EQ(spawner.signalsTo(stopping.pid), std::vector<int>{SIGKILL});
  EXPECT_EQ(stopping.killReason, "hung: no traffic for 1001 ms");
}

TEST_F(LivenessMonitorTest, AProbeThatFindsTheModuleGoneLeavesItsHealthAlone) {
  ModuleRecord& ready = add("ready", v1::MODULE_STATE_READY);
  auto live = std::make_unique<LivenessMonitor>(
      LivenessMonitor::Dependencies{timers, events.manager(), spawner,
                                    [&](const std::string&, const v1::Envelope&) {
                                      ready.killReason = "connection lost";  // as onUnreachable
                                    }},
      records, timings(200));
  timers.advance(401ms);
  live->check();
  EXPECT_EQ(ready.health, v1::HEALTH_HEALTHY);
  EXPECT_TRUE(events.take().empty());
}

// The node was stopped right before a ready module's next heartbeat would have been read, for
// longer than the dead timeout. Its run time did not move meanwhile (FakeTimers: now() stands
// still during the pause), and after the resume the module gets the grace to be heard: its
// heartbeat, waiting in the socket, arrives and nothing is judged. A module that stays silent
// through the grace is judged as before.
TEST_F(LivenessMonitorTest, AfterThePausesOfTheNodeModulesGetTheGraceToBeHeard) {
  ModuleRecord& heard = add("heard", v1::MODULE_STATE_READY);
  ModuleRecord& silent = add("silent", v1::MODULE_STATE_READY);
  auto live = monitor(200);
  live->start();
  timers.advance(990ms);  // both silent for almost the dead timeout (stalled: no; unhealthy: yes)
  events.take();
  timers.resumeAfterPause(400ms);
  timers.advance(200ms);  // the monitor ran twice during the grace
  EXPECT_TRUE(spawner.signals.empty()) << "judged during the grace";
  heard.lastTraffic = timers.now();  // its heartbeat, read from the socket
  timers.advance(250ms);             // the grace is over
  EXPECT_TRUE(spawner.signalsTo(heard.pid).empty());
  EXPECT_EQ(heard.health, v1::HEALTH_HEALTHY);
  EXPECT_EQ(spawner.signalsTo(silent.pid), std::vector<int>{SIGKILL});
  EXPECT_NE(silent.killReason.find("hung: no traffic"), std::string::npos);
}

}  // namespace
}  // namespace plexus::host
