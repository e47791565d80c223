// A module's whole process tree goes with it (issue 10, item 10): a module forks a child that
// calls setsid(), leaving the module's process group. That daemon dies when the module is
// unloaded, when the module crashes, and when the node shuts down; the node (its child
// subreaper) also reaps it, so no zombie is left either.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <string>

#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

// The daemon's pid from a probe's report ("daemon <pid>"), once it is there.
pid_t daemonOf(const std::filesystem::path& report) {
  pid_t pid = 0;
  waitFor([&] {
    auto lines = reportLines(report, "daemon ");
    if (lines.empty()) return false;
    pid = std::stoi(lines[0].substr(7));
    return true;
  });
  return pid;
}

// Gone: not even a zombie (processAlive() is false for a zombie too; /proc says which).
bool gone(pid_t pid) {
  return !std::filesystem::exists("/proc/" + std::to_string(pid));
}

TEST(ProcessTreeTest, ASetsidDaemonDiesWithItsModuleOnUnloadCrashAndShutdown) {
  TempDir dir;
  const auto unloaded = dir / "unloaded.report";
  const auto crashed = dir / "crashed.report";
  const auto last = dir / "last.report";
  TestNode node(ModuleSpec{"unloaded", {}, {"--report", unloaded.string(), "--daemon"}}.text() +
                ModuleSpec{"crashed", {}, {"--report", crashed.string(), "--daemon"}}.text() +
                ModuleSpec{"last", {}, {"--report", last.string(), "--daemon"}}.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const pid_t unloadedDaemon = daemonOf(unloaded);
  const pid_t crashedDaemon = daemonOf(crashed);
  const pid_t lastDaemon = daemonOf(last);
  ASSERT_GT(unloadedDaemon, 0);
  ASSERT_GT(crashedDaemon, 0);
  ASSERT_GT(lastDaemon, 0);
  ASSERT_NE(::getpgid(unloadedDaemon), node.module("unloaded")->pid()) << "left the group";

  auto run = runCtl(node, "unload unloaded");
  ASSERT_EQ(run.exitCode, 0) << run.out;
  EXPECT_TRUE(waitFor([&] { return gone(unloadedDaemon); })) << "outlived its unloaded module";

  ASSERT_EQ(::kill(node.module("crashed")->pid(), SIGKILL), 0);
  EXPECT_TRUE(waitFor([&] { return gone(crashedDaemon); })) << "outlived its crashed module";
  EXPECT_TRUE(processAlive(lastDaemon)) << "a daemon of a module that still runs is its own";

  auto status = node.stop(SIGTERM);
  ASSERT_TRUE(status.has_value() && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << node.log();
  EXPECT_TRUE(waitFor([&] { return !processAlive(lastDaemon); })) << "outlived the node";
}

}  // namespace
}  // namespace plexus::test
