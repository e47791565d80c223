// Operator commands that do what they say, with the real plexusctl: an unload issued while a
// reload is stopping the module wins (it stays stopped, the reload reports that it did not come
// back).

#include <gtest/gtest.h>

#include <future>

#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

CtlRun plexusctl(const TestNode& node, const std::string& args) {
  return runCtl(node, args, /*withStderr=*/true);
}

TEST(OperatorCommandsTest, UnloadWhileAReloadIsStoppingTheModuleWins) {
  TempDir dir;
  const auto report = dir / "stubborn.report";
  // It stays after the node's Goodbye, so the reload's stop lasts until SIGTERM ends it.
  ModuleSpec stubborn{"stubborn", {}, {"--report", report.string(), "--stay-after-run"}};
  stubborn.restart = "RESTART_POLICY_ALWAYS";
  TestNode node(stubborn.text(), "  shutdown_grace_ms: 3000\n  kill_after_ms: 1000\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const int pid = node.module("stubborn")->pid();

  auto reload = std::async(std::launch::async, [&] { return plexusctl(node, "reload stubborn"); });
  ASSERT_TRUE(node.waitForState("stubborn", v1::MODULE_STATE_STOPPING)) << node.log();
  auto unload = plexusctl(node, "unload stubborn");
  ASSERT_EQ(unload.exitCode, 0) << unload.out << node.log();
  EXPECT_EQ(unload.out, "module stubborn stopped\n");

  auto reloaded = reload.get();  // answered once the stop settled
  EXPECT_EQ(reloaded.exitCode, 1) << reloaded.out;
  EXPECT_NE(reloaded.out.find("did not become ready"), std::string::npos) << reloaded.out;
  auto info = *node.module("stubborn");
  EXPECT_EQ(info.state(), v1::MODULE_STATE_STOPPED);
  EXPECT_EQ(info.pid(), 0);
  EXPECT_EQ(info.incarnation(), 1u) << "no new incarnation after the unload";
  EXPECT_FALSE(processAlive(pid));
}

}  // namespace
}  // namespace plexus::test
