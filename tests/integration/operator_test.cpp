// Operating a running node with the real plexusctl: unload / load / reload with their lifecycle
// events, maintenance rounds bracketed by Started/Completed (on demand and scheduled), and tail.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <future>

#include "plexus/ctl/control_client.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

TEST(OperatorTest, UnloadLoadAndReloadWithTheirLifecycleEvents) {
  TempDir dir;
  const auto watcherReport = dir / "watcher.report";
  TestNode node(
      ModuleSpec{"watcher",
                 {},
                 {"--report", watcherReport.string(), "--types", "ModuleUnloaded,ModuleLoaded"}}
          .text() +
      ModuleSpec{"target", {}, {"--report", "/dev/null"}}.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();

  auto unload = runCtl(node, "unload target", /*withStderr=*/true);
  ASSERT_EQ(unload.exitCode, 0) << unload.out;
  EXPECT_EQ(unload.out, "module target stopped\n");
  EXPECT_EQ(node.module("target")->state(), v1::MODULE_STATE_STOPPED);
  ASSERT_TRUE(waitFor([&] { return reportHas(watcherReport, "ModuleUnloaded host target#1"); }));
  auto again = runCtl(node, "unload target", /*withStderr=*/true);
  EXPECT_EQ(again.exitCode, 1) << again.out;
  EXPECT_NE(again.out.find("is not running"), std::string::npos);

  auto load = runCtl(node, "load target", /*withStderr=*/true);
  ASSERT_EQ(load.exitCode, 0) << load.out << node.log();
  EXPECT_EQ(node.module("target")->incarnation(), 2u);

  const int before = node.module("target")->pid();
  auto reload = runCtl(node, "reload target", /*withStderr=*/true);
  ASSERT_EQ(reload.exitCode, 0) << reload.out << node.log();
  auto info = *node.module("target");
  EXPECT_EQ(info.state(), v1::MODULE_STATE_READY);
  EXPECT_EQ(info.incarnation(), 3u);
  EXPECT_NE(info.pid(), before);
  EXPECT_FALSE(processAlive(before));
  ASSERT_TRUE(waitFor([&] {
    return reportHas(watcherReport, "ModuleUnloaded host target#2") &&
           reportHas(watcherReport, "ModuleLoaded host target#3");
  })) << readFile(watcherReport);

  auto hot = runCtl(node,
                    "load extra --exec " + probeBinary().string() +
                        " --arg --report --arg /dev/null --capacity 7 --policy block"
                        " --restart never --setting k=v",
                    /*withStderr=*/true);
  ASSERT_EQ(hot.exitCode, 0) << hot.out << node.log();
  auto extra = *node.module("extra");
  EXPECT_EQ(extra.capacity(), 7u);
  EXPECT_EQ(extra.policy(), v1::DELIVERY_POLICY_BLOCK);
  EXPECT_EQ(extra.restart(), v1::RESTART_POLICY_NEVER);
  EXPECT_EQ(runCtl(node, "load extra --exec /nonexistent/module", /*withStderr=*/true).exitCode, 1)
      << "already running";
}

TEST(OperatorTest, MaintenanceRoundsAreBracketedOnDemandAndOnSchedule) {
  TempDir dir;
  const auto report = dir / "m.report";
  TestNode node(ModuleSpec{"m",
                           {},
                           {"--report", report.string(), "--types",
                            "MaintenanceStarted,DataMaintenance,MaintenanceCompleted"}}
                    .text() +
                "maintenance { operation: MAINTENANCE_OPERATION_CLEANUP interval_ms: 300 }\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  // A scheduled round first.
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "MaintenanceCompleted host 1:success=1"); }))
      << readFile(report);
  auto events = probeEvents(report);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[0].type, "MaintenanceStarted");
  EXPECT_EQ(events[0].detail, "1");
  EXPECT_EQ(events[1].type, "DataMaintenance");
  EXPECT_EQ(events[1].detail, "1:MAINTENANCE_OPERATION_CLEANUP:URGENCY_LOW:scheduled");
  EXPECT_EQ(events[2].type, "MaintenanceCompleted");

  auto run =
      runCtl(node, "maintenance flush --urgency high --reason before-backup", /*withStderr=*/true);
  ASSERT_EQ(run.exitCode, 0) << run.out;
  const std::string id = run.out.substr(
      run.out.find('#') + 1, run.out.find(' ', run.out.find('#')) - run.out.find('#') - 1);
  ASSERT_TRUE(waitFor([&] {
    return reportHas(report, "MaintenanceCompleted host " + id + ":success=1");
  })) << readFile(report)
      << run.out;
  events = probeEvents(report);
  std::vector<std::string> mine;
  for (const auto& e : events) {
    if (e.detail.rfind(id + ":", 0) == 0 || e.detail == id) mine.push_back(e.type + " " + e.detail);
  }
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[0], "MaintenanceStarted " + id);
  EXPECT_EQ(mine[1],
            "DataMaintenance " + id + ":MAINTENANCE_OPERATION_FLUSH:URGENCY_HIGH:before-backup");
  EXPECT_EQ(mine[2], "MaintenanceCompleted " + id + ":success=1");
}

TEST(OperatorTest, TailPrintsPublishedEventsAsJsonLines) {
  TestNode node("");
  node.start();
  auto tail = std::async(std::launch::async, [&] {
    return runCtl(node, "tail --type NewBlock --count 3", /*withStderr=*/true);
  });
  ASSERT_TRUE(waitFor([&] { return node.log().find("tail session") != std::string::npos; }))
      << node.log();
  ASSERT_TRUE(node.publish(newBlock(41), 3).has_publish());
  ASSERT_EQ(tail.wait_for(20s), std::future_status::ready);
  auto run = tail.get();
  EXPECT_EQ(run.exitCode, 0) << run.out;
  std::istringstream lines(run.out);
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    EXPECT_NE(line.find("\"seq\":" + std::to_string(count + 1)), std::string::npos) << line;
    EXPECT_NE(line.find("\"height\":\"41\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"source\":\"operator\""), std::string::npos) << line;
  }
  EXPECT_EQ(count, 3);
  ASSERT_TRUE(waitFor([&] {
    return node.log().find("tail session tail:1 ended") != std::string::npos;
  })) << "TailStop ends the session";
  EXPECT_TRUE(node.allStats().empty()) << "a tail is not a module";
}

// A tail client that disappears without TailStop (a SIGKILLed plexusctl) while nothing is
// published to it: the node's probe finds the connection gone and ends the session.
TEST(OperatorTest, ATailWhoseClientVanishedEndsWithoutTailStop) {
  TestNode node("");
  node.start();
  {
    ctl::ControlClient client(node.runtimeDir());
    v1::ControlRequest tail;
    tail.mutable_tail()->add_types(v1::EVENT_TYPE_NEW_BLOCK);
    ASSERT_TRUE(client.send(tail).ok());
    ASSERT_TRUE(waitFor([&] {
      return node.log().find("tail session tail:1 started") != std::string::npos;
    })) << node.log();
  }  // the socket closes; no TailStop
  ASSERT_TRUE(waitFor([&] {
    return node.log().find("tail session tail:1: its client is gone") != std::string::npos;
  })) << node.log();
  EXPECT_NE(node.log().find("tail session tail:1 ended"), std::string::npos);
}

}  // namespace
}  // namespace plexus::test
