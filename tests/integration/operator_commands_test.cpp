// Operator commands that do what they say, with the real plexusctl: an unload issued while a
// reload is stopping the module wins (it stays stopped, the reload reports that it did not come
// back), and `forget` removes a stopped module with everything the node keeps of it, while
// refusing a running or unknown one.

#include <gtest/gtest.h>

#include <future>

#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

TEST(OperatorCommandsTest, UnloadWhileAReloadIsStoppingTheModuleWins) {
  TempDir dir;
  const auto report = dir / "defiant.report";
  // It stays after the node's Goodbye, so the reload's stop lasts until SIGTERM ends it.
  ModuleSpec defiant{"defiant", {}, {"--report", report.string(), "--stay-after-run"}};
  defiant.restart = "RESTART_POLICY_ALWAYS";
  TestNode node(defiant.text(), "  shutdown_grace_ms: 3000\n  kill_after_ms: 1000\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const int pid = node.module("defiant")->pid();

  auto reload = std::async(std::launch::async,
                           [&] { return runCtl(node, "reload defiant", /*withStderr=*/true); });
  ASSERT_TRUE(node.waitForState("defiant", v1::MODULE_STATE_STOPPING)) << node.log();
  auto unload = runCtl(node, "unload defiant", /*withStderr=*/true);
  ASSERT_EQ(unload.exitCode, 0) << unload.out << node.log();
  EXPECT_EQ(unload.out, "module defiant stopped\n");

  auto reloaded = reload.get();  // answered once the stop settled
  EXPECT_EQ(reloaded.exitCode, 1) << reloaded.out;
  EXPECT_NE(reloaded.out.find("did not become ready"), std::string::npos) << reloaded.out;
  auto info = *node.module("defiant");
  EXPECT_EQ(info.state(), v1::MODULE_STATE_STOPPED);
  EXPECT_EQ(info.pid(), 0);
  EXPECT_EQ(info.incarnation(), 1u) << "no new incarnation after the unload";
  EXPECT_FALSE(processAlive(pid));
}

TEST(OperatorCommandsTest, ForgetRemovesAStoppedModuleAndRefusesRunningOrUnknownOnes) {
  TempDir dir;
  TestNode node(ModuleSpec{"keeper", {}, {"--report", (dir / "keeper.report").string()}}.text() +
                ModuleSpec{"gone", {}, {"--report", (dir / "gone.report").string()}}.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  ASSERT_FALSE(node.publish(newBlock(1), 3).has_error());
  ASSERT_TRUE(waitFor([&] { return node.stats("gone")->acked() == 3; }));

  auto running = runCtl(node, "forget gone", /*withStderr=*/true);
  EXPECT_EQ(running.exitCode, 1) << running.out;
  EXPECT_NE(running.out.find("module 'gone' is ready; only a stopped or failed module can be "
                             "forgotten (unload it first)"),
            std::string::npos)
      << running.out;
  auto unknown = runCtl(node, "forget nobody", /*withStderr=*/true);
  EXPECT_EQ(unknown.exitCode, 1) << unknown.out;
  EXPECT_NE(unknown.out.find("no module 'nobody'"), std::string::npos) << unknown.out;

  ASSERT_EQ(runCtl(node, "unload gone", /*withStderr=*/true).exitCode, 0);
  v1::ControlRequest status;
  status.mutable_status();
  EXPECT_EQ(node.call(status).status().modules_total(), 2u);
  auto forget = runCtl(node, "forget gone", /*withStderr=*/true);
  ASSERT_EQ(forget.exitCode, 0) << forget.out << node.log();
  EXPECT_EQ(forget.out, "module gone forgotten (stopped)\n");

  // Gone from status, modules, statistics and subscriptions.
  EXPECT_EQ(node.call(status).status().modules_total(), 1u);
  EXPECT_FALSE(node.module("gone").has_value());
  EXPECT_EQ(node.modules().size(), 1u);
  EXPECT_FALSE(node.stats("gone").has_value());
  auto stats = runCtl(node, "stats gone", /*withStderr=*/true);
  EXPECT_EQ(stats.exitCode, 1) << stats.out;
  EXPECT_EQ(runCtl(node, "subscribers NewBlock", /*withStderr=*/true).out,
            "NewBlock: 1 subscriber(s)\n  keeper\n");
  EXPECT_EQ(runCtl(node, "forget gone", /*withStderr=*/true).exitCode, 1) << "forgotten already";
  EXPECT_EQ(runCtl(node, "load gone", /*withStderr=*/true).exitCode, 1)
      << "its definition went with it";

  // Defined anew under the same name, it starts from fresh statistics.
  auto load = runCtl(node,
                     "load gone --exec " + probeBinary().string() + " --arg --report --arg " +
                         (dir / "gone2.report").string(),
                     /*withStderr=*/true);
  ASSERT_EQ(load.exitCode, 0) << load.out << node.log();
  EXPECT_EQ(node.module("gone")->incarnation(), 1u);
  EXPECT_EQ(node.stats("gone")->routed(), 0u);
}

}  // namespace
}  // namespace plexus::test
