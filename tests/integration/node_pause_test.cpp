// The node's own pause is not the modules' fault (issue 10, item 4): the node is stopped with
// SIGSTOP for three times its dead timeout, then continued. `awake` kept running: its
// heartbeats wait in the socket. `alpha` and `beta` were stopped with the node, as on a
// suspended VM, and continue once the node answers again (a VM's vCPUs do not resume at once):
// they could not send anything meanwhile. Only the time the node ran counts, and every module
// gets a grace (missed_heartbeats intervals, here 600 ms) to be heard after the resume, so no
// healthy module is killed as hung. `frozen` stays stopped and is still judged, after the grace.

#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <thread>

#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

TEST(NodePauseTest, AStoppedNodeKillsNoHealthyModuleWhenItContinues) {
  TestNode node(ModuleSpec{"alpha", {}, {"--report", "/dev/null"}}.text() +
                    ModuleSpec{"beta", {}, {"--report", "/dev/null"}}.text() +
                    ModuleSpec{"awake", {}, {"--report", "/dev/null"}}.text() +
                    ModuleSpec{"frozen", {}, {"--report", "/dev/null"}}.text(),
                "  dead_timeout_ms: 1000\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  std::map<std::string, int> pids;
  for (const auto& info : node.modules())
    pids[info.module_id()] = info.pid();

  ASSERT_EQ(::kill(node.pid(), SIGSTOP), 0);
  for (const char* id : {"alpha", "beta", "frozen"})
    ASSERT_EQ(::kill(pids[id], SIGSTOP), 0);
  std::this_thread::sleep_for(3s);  // the fault: the node does not run for 3 s
  ASSERT_EQ(::kill(node.pid(), SIGCONT), 0);
  const auto status = runCtl(node, "status");
  ASSERT_EQ(status.exitCode, 0) << status.out;
  for (const char* id : {"alpha", "beta"})
    EXPECT_EQ(::kill(pids[id], SIGCONT), 0) << id << " is gone: killed for the node's pause";

  // The frozen module is judged after the grace, as before: the node still judges.
  ASSERT_TRUE(waitFor([&] {
    auto frozen = node.module("frozen");
    return frozen && frozen->pid() != pids["frozen"];
  })) << node.log();
  EXPECT_NE(node.log().find("module 'frozen' (pid " + std::to_string(pids["frozen"]) +
                            "): sending KILL: hung: no traffic"),
            std::string::npos)
      << node.log();
  EXPECT_NE(node.log().find("the node did not run for"), std::string::npos) << node.log();
  // ... and no healthy module is killed, now or later.
  auto killed = [&] {
    for (const char* id : {"alpha", "beta", "awake"}) {
      auto info = node.module(id);
      if (!info || info->pid() != pids[id] || info->state() != v1::MODULE_STATE_READY) return true;
    }
    return false;
  };
  EXPECT_FALSE(waitFor(killed, 3s)) << node.log();
  for (const char* id : {"alpha", "beta", "awake"}) {
    EXPECT_TRUE(processAlive(pids[id])) << id;
    EXPECT_EQ(node.log().find("module '" + std::string(id) + "' (pid"), std::string::npos)
        << id << " was signalled:\n"
        << node.log();
  }
}

}  // namespace
}  // namespace plexus::test
