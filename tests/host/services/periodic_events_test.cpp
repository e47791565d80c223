// PeriodicEvents on a real loop and EventManager with a fake ModuleDirectory: HealthCheck
// carries uptime and module counts; the statistics line per module; both on their timers once
// started, and none after stop().

#include "services/periodic_events.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "fakes/fake_module_directory.h"
#include "fakes/recording_sink.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

class PeriodicEventsTest : public ::testing::Test {
 protected:
  PeriodicEventsTest() {
    statsLog->set_pattern("%v");
    modules.add("a", v1::MODULE_STATE_READY);
    modules.add("b", v1::MODULE_STATE_STARTING);
    ModuleAttachment watcher;
    watcher.moduleId = "watcher";
    events.attach(watcher);
    (void)events.subscribe("watcher", std::vector{v1::EVENT_TYPE_HEALTH_CHECK});
  }

  std::vector<v1::Event> healthChecks() {
    events.flush();
    return sink.events("watcher");
  }

  std::ostringstream logged;
  std::shared_ptr<spdlog::logger> statsLog = std::make_shared<spdlog::logger>(
      "periodic-test", std::make_shared<spdlog::sinks::ostream_sink_st>(logged));
  fakes::RecordingSink sink;
  EventManager events{sink, EventManager::Options()};
  EventLoop loop;
  fakes::FakeModuleDirectory modules;
  PeriodicEvents periodic{loop,       events,  modules, std::chrono::steady_clock::now() - 2s,
                          {5ms, 5ms}, statsLog};
};

TEST_F(PeriodicEventsTest, AHealthCheckCarriesUptimeAndModuleCounts) {
  periodic.publishHealthCheck();
  const auto checks = healthChecks();
  ASSERT_EQ(checks.size(), 1u);
  const auto& check = checks[0].health_check();
  EXPECT_GE(check.uptime_ms(), 2000u);
  EXPECT_EQ(check.modules_ready(), 1u);
  EXPECT_EQ(check.modules_total(), 2u);
  EXPECT_EQ(checks[0].source(), "host");
}

TEST_F(PeriodicEventsTest, TheStatisticsLineOfEveryModule) {
  periodic.logStats();
  EXPECT_EQ(logged.str(),
            "watcher: routed=0 successful=0 channel_full=0 failed=0 acked=0 lost=0 queued=0 "
            "in_flight=0 max_held=0/100 decode_errors=0 rejected=0 filtered=0\n");
}

TEST_F(PeriodicEventsTest, OnTheirTimersOnceStartedAndNoneAfterStop) {
  periodic.start();
  bool stopped = false;
  std::size_t checks = 0, logSize = 0;
  loop.addAfterHook([&] {
    if (stopped || healthChecks().size() < 2 || logged.str().empty()) return;
    periodic.stop();
    stopped = true;
    checks = healthChecks().size();
    logSize = logged.str().size();
    loop.runAfter(50ms, [&] { loop.stop(); });  // ten intervals without either
  });
  loop.runAfter(5s, [&] { loop.stop(); });  // a deadline
  loop.run();
  ASSERT_TRUE(stopped) << "two HealthChecks and a statistics line within 5 s";
  EXPECT_EQ(healthChecks().size(), checks);
  EXPECT_EQ(logged.str().size(), logSize);
}

}  // namespace
}  // namespace plexus::host
