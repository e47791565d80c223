// Supervisor on fakes: liveness of a module busy in a handler. The SDK's run() thread heartbeats
// only between handlers, so a module silent with events in flight is slow, not hung, while its
// process runs: unhealthy ("stalled handler") after the stall timeout, never killed for its
// silence, unless handler_timeout_ms is configured. A stopped process with events in flight is
// judged on its silence like any other.

#include <gtest/gtest.h>

#include "delivery/event_factory.h"
#include "supervision/supervisor_fixture.h"

namespace plexus::host {
namespace {

class SupervisorBusyTest : public SupervisorFixture {
 protected:
  // `id` is ready and holds one NewBlock it has not acked.
  void startBusy(const std::string& id, const std::string& extraTimings = "") {
    start(module(id), extraTimings);
    connect(id);
    const v1::EventType types[] = {v1::EVENT_TYPE_NEW_BLOCK};
    ASSERT_TRUE(events.manager().subscribe(id, types).ok());
    v1::Event block = hostEvent(v1::EVENT_TYPE_NEW_BLOCK);
    block.mutable_new_block()->set_hash("00");
    block.mutable_new_block()->set_height(1);
    events.manager().publish(block.type(), serializeEvent(block));
    ASSERT_FALSE(events.takeFor(id).empty());
  }
};

TEST_F(SupervisorBusyTest, ASilentModuleInAHandlerIsStalledNotKilled) {
  startBusy("slow");
  timers.advance(kStallTimeout + 100ms);
  auto health = takeHealth();
  ASSERT_EQ(health.size(), 1u);
  EXPECT_EQ(health[0].reason(), "stalled handler") << "not 'missed heartbeats': it is busy";

  timers.advance(3 * kDeadTimeout);  // silent far beyond the dead timeout
  EXPECT_TRUE(spawner.signals.empty()) << "a running process in a handler is not killed";
  EXPECT_TRUE(takeHealth().empty());
  EXPECT_EQ(state("slow"), v1::MODULE_STATE_READY);
  EXPECT_FALSE(takeSent("slow").empty()) << "probed: a dropped connection is still found out";

  supervisor->onTraffic("slow");  // the handler returned: its ack
  ASSERT_TRUE(events.manager().ack("slow", 1).ok());
  timers.advance(100ms);
  health = takeHealth();
  ASSERT_EQ(health.size(), 1u);
  EXPECT_EQ(health[0].health(), v1::HEALTH_HEALTHY);
}

TEST_F(SupervisorBusyTest, AStoppedProcessWithEventsInFlightIsKilledAsHung) {
  startBusy("frozen");
  spawner.stopped.insert(pid("frozen"));
  timers.advance(kHeartbeat * 3 + 100ms);
  auto health = takeHealth();
  ASSERT_EQ(health.size(), 1u);
  EXPECT_EQ(health[0].reason(), "missed heartbeats");
  timers.advance(kDeadTimeout);
  EXPECT_EQ(spawner.signalsTo(pid("frozen")), std::vector<int>{SIGKILL});
  spawner.exitSignal(pid("frozen"), SIGKILL);
  auto published = events.take();
  ASSERT_FALSE(published.empty());
  ASSERT_TRUE(published.back().has_module_crashed());
  EXPECT_EQ(published.back().module_crashed().reason().rfind("hung: no traffic for", 0), 0u)
      << published.back().module_crashed().reason();
}

TEST_F(SupervisorBusyTest, AConfiguredHandlerTimeoutKillsAHandlerThatDoesNotReturn) {
  startBusy("stuck", "  handler_timeout_ms: 3000\n");
  timers.advance(3000ms);
  EXPECT_TRUE(spawner.signals.empty());
  timers.advance(100ms);
  EXPECT_EQ(spawner.signalsTo(pid("stuck")), std::vector<int>{SIGKILL});
  spawner.exitSignal(pid("stuck"), SIGKILL);
  auto published = events.take();
  ASSERT_FALSE(published.empty());
  EXPECT_EQ(published.back().module_crashed().reason(),
            "hung: a handler ran 3100 ms without returning (handler_timeout_ms)");
}

}  // namespace
}  // namespace plexus::host
