// Supervisor on fakes: liveness. Silence beyond heartbeat_interval * missed_heartbeats makes a
// ready module unhealthy (after a probing heartbeat), traffic makes it healthy again; an unacked
// event older than the stall timeout makes it unhealthy; silence beyond the dead timeout kills
// it as hung; an unreachable module is killed at once.

#include <gtest/gtest.h>

#include "delivery/event_factory.h"
#include "plexus/ipc/protocol.h"
#include "supervision/supervisor_fixture.h"

namespace plexus::host {
namespace {

class SupervisorLivenessTest : public SupervisorFixture {};

TEST_F(SupervisorLivenessTest, MissedHeartbeatsMakeItUnhealthyAfterAProbeAndTrafficHeals) {
  start(module("quiet"));
  connect("quiet");
  timers.advance(600ms);  // not more than 3 intervals of silence yet
  EXPECT_TRUE(takeHealth().empty());
  EXPECT_TRUE(takeSent("quiet").empty());

  timers.advance(100ms);
  auto probe = takeSent("quiet");
  ASSERT_EQ(probe.size(), 1u);
  EXPECT_TRUE(probe[0].has_heartbeat());
  EXPECT_EQ(probe[0].protocol_major(), ipc::kProtocolMajor);
  auto health = takeHealth();
  ASSERT_EQ(health.size(), 1u);
  EXPECT_EQ(health[0].module_id(), "quiet");
  EXPECT_EQ(health[0].health(), v1::HEALTH_UNHEALTHY);
  EXPECT_EQ(health[0].reason(), "missed heartbeats");
  EXPECT_EQ(info("quiet").health(), v1::HEALTH_UNHEALTHY);
  EXPECT_EQ(info("quiet").health_reason(), "missed heartbeats");

  timers.advance(300ms);  // still silent: told once, probed on every check
  EXPECT_TRUE(takeHealth().empty());
  EXPECT_EQ(takeSent("quiet").size(), 3u);

  supervisor->onTraffic("quiet");
  timers.advance(100ms);
  health = takeHealth();
  ASSERT_EQ(health.size(), 1u);
  EXPECT_EQ(health[0].health(), v1::HEALTH_HEALTHY);
  EXPECT_EQ(health[0].reason(), "recovered");
  EXPECT_EQ(info("quiet").health_reason(), "");
  EXPECT_TRUE(spawner.signals.empty());
}

TEST_F(SupervisorLivenessTest, SilenceBeyondTheDeadTimeoutKillsItAsHung) {
  start(module("frozen"));
  connect("frozen");
  const pid_t process = pid("frozen");
  timers.advance(kDeadTimeout);
  EXPECT_TRUE(spawner.signals.empty());
  timers.advance(100ms);
  EXPECT_EQ(spawner.signalsTo(process), std::vector<int>{SIGKILL});
  timers.advance(500ms);  // killed once, whatever the later checks see
  EXPECT_EQ(spawner.signalsTo(process), std::vector<int>{SIGKILL});

  spawner.exitSignal(process, SIGKILL);
  auto published = events.take();
  ASSERT_FALSE(published.empty());
  ASSERT_TRUE(published.back().has_module_crashed());
  EXPECT_EQ(published.back().module_crashed().reason(), "hung: no traffic for 2100 ms");
  EXPECT_TRUE(published.back().module_crashed().restart_scheduled());
}

TEST_F(SupervisorLivenessTest, AModuleThatNeverHandshakesIsLeftToTheHandshakeTimeout) {
  start(module("mute"));
  timers.advance(kHandshakeTimeout - 1ms);
  EXPECT_TRUE(spawner.signals.empty());
  EXPECT_TRUE(takeHealth().empty());
  EXPECT_TRUE(sent.empty());
}

TEST_F(SupervisorLivenessTest, AnEventUnackedBeyondTheStallTimeoutMakesItUnhealthy) {
  start(module("slow"));
  connect("slow");
  const v1::EventType types[] = {v1::EVENT_TYPE_NEW_BLOCK};
  ASSERT_TRUE(events.manager().subscribe("slow", types).ok());
  v1::Event block = hostEvent(v1::EVENT_TYPE_NEW_BLOCK);
  block.mutable_new_block()->set_hash("00");
  block.mutable_new_block()->set_height(1);
  events.manager().publish(block.type(), serializeEvent(block));
  auto delivered = events.takeFor("slow");
  ASSERT_FALSE(delivered.empty());

  keepAlive("slow", kStallTimeout);
  EXPECT_TRUE(takeHealth().empty());
  keepAlive("slow", 100ms);
  auto health = takeHealth();
  ASSERT_EQ(health.size(), 1u);
  EXPECT_EQ(health[0].reason(), "stalled handler");

  ASSERT_TRUE(events.manager().ack("slow", delivered.back().seq).ok());
  keepAlive("slow", 100ms);
  health = takeHealth();
  ASSERT_EQ(health.size(), 1u);
  EXPECT_EQ(health[0].health(), v1::HEALTH_HEALTHY);
}

TEST_F(SupervisorLivenessTest, AnUnreachableModuleIsKilledAtOnce) {
  start(module("gone"));
  connect("gone");
  supervisor->onUnreachable("gone");
  EXPECT_EQ(spawner.signalsTo(pid("gone")), std::vector<int>{SIGKILL});
  spawner.exitSignal(pid("gone"), SIGKILL);
  auto published = events.take();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].module_crashed().reason(), "connection lost");
}

TEST_F(SupervisorLivenessTest, NoChecksAfterShutdown) {
  start(module("quiet"));
  connect("quiet");
  supervisor->shutdown([] {});
  EXPECT_EQ(timers.pendingTimers(), 1u);  // the grace period's, no liveness check
  timers.advance(kGrace - 1ms);
  EXPECT_TRUE(takeHealth().empty());
  EXPECT_TRUE(spawner.signals.empty());
  EXPECT_TRUE(sent.empty());
}

}  // namespace
}  // namespace plexus::host
