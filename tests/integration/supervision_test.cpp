// Supervision with real processes: restart with backoff after SIGKILL (announced again, replay
// again), the crash-rate limit, a SIGSTOPped module going unhealthy then killed as hung and
// restarted, a stalled handler, and modules exiting by themselves when their node dies.

#include <gtest/gtest.h>
#include <signal.h>

#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

std::string watcher(const TempDir& dir, const std::string& types) {
  return ModuleSpec{
      "watcher", {}, {"--report", (dir / "watcher.report").string(), "--types", types}}
      .text();
}

TEST(SupervisionTest, SigkilledModuleIsRestartedWithBackoffAnnouncedAndReplayedAgain) {
  TempDir dir;
  const auto phoenixReport = dir / "phoenix.report";
  ModuleSpec phoenix{
      "phoenix", {}, {"--report", phoenixReport.string(), "--types", "ModuleLoaded"}};
  phoenix.restart = "RESTART_POLICY_ON_FAILURE";
  TestNode node(watcher(dir, "ModuleCrashed,ModuleLoaded") + phoenix.text(),
                "  restart_backoff_initial_ms: 300\n  restart_backoff_max_ms: 5000\n"
                "  stable_after_ms: 60000\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const auto watcherReport = dir / "watcher.report";

  const int firstPid = node.module("phoenix")->pid();
  ASSERT_EQ(::kill(firstPid, SIGKILL), 0);
  ASSERT_TRUE(waitFor([&] {
    return reportHas(watcherReport,
                     "ModuleCrashed host phoenix:signal=9:exit=-1:restart_in_ms=300:scheduled=1");
  })) << readFile(watcherReport);
  ASSERT_TRUE(waitFor([&] {
    auto info = node.module("phoenix");
    return info->state() == v1::MODULE_STATE_READY && info->incarnation() == 2;
  })) << node.log();
  auto info = *node.module("phoenix");
  EXPECT_EQ(info.restarts(), 1u);
  EXPECT_NE(info.pid(), firstPid);
  EXPECT_EQ(info.last_exit(), "signal 9 (Killed)");
  ASSERT_TRUE(waitFor([&] { return reportHas(watcherReport, "ModuleLoaded host phoenix#2"); }));
  // The new incarnation got the replay again: the watcher, then itself.
  ASSERT_TRUE(waitFor([&] { return reportHas(phoenixReport, "ModuleLoaded host phoenix#2"); }));
  auto lines = readLines(phoenixReport);
  auto second = std::find(lines.begin(), lines.end(), "connected 2 100");
  ASSERT_NE(second, lines.end());
  EXPECT_NE(std::find(second, lines.end(), "event L 1 0 ModuleLoaded host watcher#1"), lines.end());

  // It was not ready long enough to reset the backoff: the next delay doubles.
  ASSERT_EQ(::kill(info.pid(), SIGKILL), 0);
  ASSERT_TRUE(waitFor([&] { return reportHas(watcherReport, "restart_in_ms=600:scheduled=1"); }))
      << readFile(watcherReport);
  ASSERT_TRUE(waitFor([&] { return node.module("phoenix")->restarts() == 2; }));
}

TEST(SupervisionTest, ACrashLoopStopsAtTheCrashRateLimitAndLoadStartsItAgain) {
  ModuleSpec looper{"looper", "/bin/false"};
  looper.restart = "RESTART_POLICY_ON_FAILURE";
  TestNode node(looper.text(),
                "  restart_backoff_initial_ms: 50\n  crash_limit: 3\n  crash_window_ms: 60000\n");
  node.start();
  ASSERT_TRUE(node.waitForState("looper", v1::MODULE_STATE_FAILED)) << node.log();
  auto info = *node.module("looper");
  EXPECT_EQ(info.restarts(), 2u) << "3 crashes: the first start and 2 restarts";
  EXPECT_EQ(info.last_exit(), "exit 1");
  EXPECT_NE(node.log().find("3 crashes within 60000 ms, giving up"), std::string::npos)
      << node.log();

  v1::ControlRequest load;
  load.mutable_load()->mutable_module()->set_name("looper");
  auto reply = node.call(load);
  ASSERT_TRUE(reply.has_error()) << reply.DebugString();
  EXPECT_NE(reply.error().message().find("did not become ready"), std::string::npos);
  ASSERT_TRUE(node.waitForState("looper", v1::MODULE_STATE_FAILED)) << node.log();
  EXPECT_EQ(node.module("looper")->restarts(), 4u)
      << "load is a start (not a restart): 3 more crashes, 2 more restarts";
}

TEST(SupervisionTest, ASigstoppedModuleTurnsUnhealthyThenIsKilledAsHungAndRestarted) {
  TempDir dir;
  ModuleSpec frozen{"frozen", {}, {"--report", "/dev/null"}};
  frozen.restart = "RESTART_POLICY_ON_FAILURE";
  TestNode node(
      watcher(dir, "ModuleHealthChanged,ModuleCrashed,ModuleLoaded") + frozen.text(),
      "  missed_heartbeats: 3\n  dead_timeout_ms: 2000\n  restart_backoff_initial_ms: 100\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const auto report = dir / "watcher.report";
  const int pid = node.module("frozen")->pid();
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  ASSERT_TRUE(waitFor([&] {
    return reportHas(report, "ModuleHealthChanged host frozen:HEALTH_UNHEALTHY:missed heartbeats");
  })) << readFile(report);
  EXPECT_EQ(node.module("frozen")->health(), v1::HEALTH_UNHEALTHY);
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "ModuleCrashed host frozen:signal=9"); }))
      << readFile(report);
  EXPECT_NE(node.log().find("hung: no traffic for"), std::string::npos);
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "ModuleLoaded host frozen#2"); }));
  auto info = *node.module("frozen");
  EXPECT_EQ(info.state(), v1::MODULE_STATE_READY);
  EXPECT_EQ(info.restarts(), 1u);
  EXPECT_EQ(info.health(), v1::HEALTH_HEALTHY);
  EXPECT_FALSE(processAlive(pid));
}

TEST(SupervisionTest, AStalledHandlerIsUnhealthyUntilItAcksAgain) {
  TempDir dir;
  ModuleSpec stuck{"stuck", {}, {"--report", "/dev/null", "--delay-ms", "2500"}};
  TestNode node(watcher(dir, "ModuleHealthChanged") + stuck.text(), "  stall_timeout_ms: 500\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  ASSERT_TRUE(node.publish(newBlock(1)).has_publish());
  const auto report = dir / "watcher.report";
  ASSERT_TRUE(waitFor([&] {
    return reportHas(report, "ModuleHealthChanged host stuck:HEALTH_UNHEALTHY:stalled handler");
  })) << readFile(report);
  EXPECT_EQ(node.module("stuck")->state(), v1::MODULE_STATE_READY) << "alive, only slow";
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "stuck:HEALTH_HEALTHY:recovered"); }))
      << readFile(report);
}

TEST(SupervisionTest, ModulesExitByThemselvesWhenTheNodeDies) {
  TestNode node(ModuleSpec{"a", {}, {"--report", "/dev/null"}}.text() +
                ModuleSpec{"b", {}, {"--report", "/dev/null"}}.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  std::vector<int> pids;
  for (const auto& info : node.modules())
    pids.push_back(info.pid());
  ASSERT_TRUE(node.stop(SIGKILL).has_value());
  for (int pid : pids) {
    EXPECT_TRUE(waitFor([&] { return !processAlive(pid); }, 5s)) << "module pid " << pid;
  }
}

}  // namespace
}  // namespace plexus::test
