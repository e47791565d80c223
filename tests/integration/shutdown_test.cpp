// Graceful shutdown with real processes: a polite module hears NodeShutdown and exits; one that
// ignores NodeShutdown and SIGTERM and one that is SIGSTOPped are killed after the grace period
// and the SIGTERM window; the node exits 0 within grace + kill_after + 1 s; no module process is
// left.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

TEST(ShutdownTest, EscalatesWithinTheGraceBudgetAndLeavesNoModuleProcess) {
  TempDir dir;
  const auto politeReport = dir / "polite.report";
  const auto defiantReport = dir / "defiant.report";
  TestNode node(
      ModuleSpec{"polite", {}, {"--report", politeReport.string(), "--types", "NodeShutdown"}}
              .text() +
          ModuleSpec{"defiant",
                     {},
                     {"--report", defiantReport.string(), "--ignore-shutdown", "--ignore-sigterm"}}
              .text() +
          ModuleSpec{"frozen", {}, {"--report", "/dev/null"}}.text(),
      "  shutdown_grace_ms: 1000\n  kill_after_ms: 500\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  std::map<std::string, int> pids;
  for (const auto& info : node.modules())
    pids[info.module_id()] = info.pid();
  ASSERT_EQ(::kill(pids["frozen"], SIGSTOP), 0);

  const auto started = std::chrono::steady_clock::now();
  auto status = node.stop(SIGINT, 10s);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(status.has_value()) << node.log();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status << "\n" << node.log();
  EXPECT_LT(took, 1000ms + 500ms + 1000ms) << "grace + kill_after + 1 s";
  for (const auto& [id, pid] : pids) {
    EXPECT_FALSE(processAlive(pid)) << id << " (pid " << pid << ") outlived the node";
  }
  EXPECT_TRUE(reportHas(politeReport, "NodeShutdown host signal INT")) << readFile(politeReport);
  EXPECT_TRUE(reportHas(politeReport, "exit 0"));
  EXPECT_TRUE(reportHas(defiantReport, "ignoring-shutdown"));
  const auto log = node.log();
  EXPECT_NE(log.find("module 'polite' stopped (exit 0"), std::string::npos) << log;
  EXPECT_NE(
      log.find("module 'defiant' (pid " + std::to_string(pids["defiant"]) + "): sending KILL"),
      std::string::npos)
      << log;
  EXPECT_NE(log.find("plexus-node stopped"), std::string::npos);
}

}  // namespace
}  // namespace plexus::test
