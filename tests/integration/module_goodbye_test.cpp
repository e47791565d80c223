// A module that says Goodbye on its own (the SDK's stop()) is leaving, with real processes: it
// is stopping at once (modules, subscribers, events to it count as failed), gets the grace ->
// SIGTERM -> SIGKILL escalation when it does not exit, leaves the routing table once it exited,
// and is reported as unloaded with its Goodbye's reason, never as a crash; the restart policy
// then applies as for a clean exit.

#include <gtest/gtest.h>

#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

std::string watcher(const TempDir& dir) {
  return ModuleSpec{
      "watcher",
      {},
      {"--report", (dir / "watcher.report").string(), "--types", "ModuleUnloaded,ModuleCrashed"}}
      .text();
}

std::string lineOf(const std::string& text, const std::string& needle) {
  std::size_t at = text.find(needle);
  if (at == std::string::npos) return {};
  std::size_t start = text.rfind('\n', at);
  start = start == std::string::npos ? 0 : start + 1;
  return text.substr(start, text.find('\n', at) - start);
}

v1::SubscribersResponse subscribersOf(TestNode& node, v1::EventType type) {
  v1::ControlRequest request;
  request.mutable_subscribers()->set_type(type);
  return node.call(request).subscribers();
}

TEST(ModuleGoodbyeTest, AModuleThatSaysGoodbyeAndStaysIsStoppedEscalatedAndUnloaded) {
  TempDir dir;
  const auto leaverReport = dir / "leaver.report";
  ModuleSpec leaver{"leaver",
                    {},
                    {"--report", leaverReport.string(), "--stop-after", "1", "--stay-after-run",
                     "--ignore-sigterm"}};
  leaver.restart = "RESTART_POLICY_ON_FAILURE";
  // A grace long enough to look at the stopping module under load.
  TestNode node(watcher(dir) + leaver.text(), "  shutdown_grace_ms: 4000\n  kill_after_ms: 500\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const int pid = node.module("leaver")->pid();

  ASSERT_FALSE(node.publish(newBlock(1)).has_error());
  ASSERT_TRUE(waitFor([&] { return reportHas(leaverReport, "staying 0"); }))
      << readFile(leaverReport);
  ASSERT_TRUE(node.waitForState("leaver", v1::MODULE_STATE_STOPPING, 3s)) << node.log();

  // Reported truthfully meanwhile: stopping, still subscribed but marked, events fail.
  auto modules = runCtl(node, "modules");
  EXPECT_NE(lineOf(modules.out, "leaver").find("stopping"), std::string::npos) << modules.out;
  auto subscribers = runCtl(node, "subscribers NewBlock");
  EXPECT_NE(lineOf(subscribers.out, "leaver").find("(stopping"), std::string::npos)
      << subscribers.out;
  ASSERT_FALSE(node.publish(newBlock(2)).has_error());
  auto stats = node.stats("leaver");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->failed(), 1u);
  expectInvariants(*stats);

  // It ignores SIGTERM: SIGKILL ends it, which is its own leaving, not a crash.
  ASSERT_TRUE(node.waitForState("leaver", v1::MODULE_STATE_STOPPED, 30s)) << node.log();
  auto info = *node.module("leaver");
  EXPECT_EQ(info.pid(), 0);
  EXPECT_EQ(info.last_exit(), "signal 9 (Killed)");
  EXPECT_FALSE(processAlive(pid));
  const auto watcherReport = dir / "watcher.report";
  ASSERT_TRUE(waitFor([&] {
    return reportHas(watcherReport,
                     "ModuleUnloaded host leaver#1:stopped (did not exit after Goodbye)");
  })) << readFile(watcherReport);
  EXPECT_FALSE(reportHas(watcherReport, "ModuleCrashed")) << readFile(watcherReport);
  EXPECT_TRUE(subscribersOf(node, v1::EVENT_TYPE_NEW_BLOCK).module_ids().empty());
  // on_failure does not restart a clean leaving.
  EXPECT_EQ(node.module("leaver")->restarts(), 0u);
  EXPECT_EQ(node.module("leaver")->incarnation(), 1u);
}

TEST(ModuleGoodbyeTest, AModuleThatSaysGoodbyeAndExitsIsUnloadedWithItsReasonAndRestartedByAlways) {
  TempDir dir;
  const auto leaverReport = dir / "leaver.report";
  // Its exit follows its Goodbye after a while (its cleanup): the node has no order between a
  // message and an exit that come at the same instant.
  ModuleSpec leaver{
      "leaver",
      {},
      {"--report", leaverReport.string(), "--stop-after", "1", "--exit-delay-ms", "1000"}};
  leaver.restart = "RESTART_POLICY_ALWAYS";
  TestNode node(watcher(dir) + leaver.text(), "  restart_backoff_initial_ms: 100\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();

  ASSERT_FALSE(node.publish(newBlock(1)).has_error());
  const auto watcherReport = dir / "watcher.report";
  ASSERT_TRUE(waitFor([&] { return reportHas(watcherReport, "ModuleUnloaded host leaver#1:"); }))
      << readFile(watcherReport) << node.log();
  EXPECT_TRUE(reportHas(watcherReport, "ModuleUnloaded host leaver#1:stopped\n"))
      << readFile(watcherReport);
  // always: a new incarnation, as after any clean exit.
  ASSERT_TRUE(waitFor([&] {
    auto info = node.module("leaver");
    return info && info->state() == v1::MODULE_STATE_READY && info->incarnation() == 2;
  })) << node.log();
  EXPECT_EQ(node.module("leaver")->last_exit(), "exit 0");
  EXPECT_FALSE(reportHas(watcherReport, "ModuleCrashed")) << readFile(watcherReport);
}

}  // namespace
}  // namespace plexus::test
