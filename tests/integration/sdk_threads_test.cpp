// The SDK's thread shape against the real node: the thread in run() owns the socket, so
//  - a handler's own publish() reads the socket until its answer comes, keeping the events
//    that arrive meanwhile for after it: none lost, none reordered, no deadlock;
//  - stats() from another thread while a handler runs is answered after that handler;
//  - a handler that runs far beyond the dead timeout is reported as stalled, not killed, and a
//    configured handler timeout does kill it;
//  - a module stopped (SIGSTOP) in the middle of its events is still killed as hung.

#include <gtest/gtest.h>
#include <signal.h>

#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

std::filesystem::path reentrantBinary() {
  return probeBinary().parent_path() / "plexus-test-reentrant";
}

std::string watcher(const TempDir& dir) {
  return ModuleSpec{"watcher",
                    {},
                    {"--report", (dir / "watcher.report").string(), "--types",
                     "ModuleHealthChanged,ModuleCrashed"}}
      .text();
}

TEST(SdkThreadsTest, AHandlerPublishesWhileEventsKeepArrivingAndNoneIsLost) {
  TempDir dir;
  const auto report = dir / "reentrant.report";
  ModuleSpec reentrant{"reentrant",
                       reentrantBinary().string(),
                       {"--report", report.string(), "--publish-in-handler"}};
  // Room for all of it: a handler that publishes to its own full block-policy channel waits
  // for credit only its own return gives back (the block timeout then answers it).
  reentrant.capacity = 100;
  reentrant.policy = "DELIVERY_POLICY_BLOCK";
  reentrant.extra = "  capabilities { publish: [EVENT_TYPE_NEW_BLOCK] }\n";
  TestNode node(reentrant.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  constexpr std::size_t kEvents = 40;
  for (std::uint64_t height = 1; height <= kEvents; ++height)
    ASSERT_TRUE(node.publish(newBlock(height)).has_publish());
  ASSERT_TRUE(waitFor([&] {
    return countLines(readFile(report), "handler-publish ") == kEvents &&
           countLines(readFile(report), "event ") == 2 * kEvents;
  })) << readFile(report);
  const std::string text = readFile(report);
  EXPECT_EQ(countLines(text, " ok 1"), kEvents) << text;
  // The operator's events arrive in order, whatever the handler's publishes interleave.
  std::uint64_t previous = 0;
  for (const auto& line : reportLines(report, "event ")) {
    const std::uint64_t height = std::stoull(line.substr(6));
    if (height >= 1000) continue;
    EXPECT_EQ(height, previous + 1) << text;
    previous = height;
  }
  auto stats = node.module("reentrant");
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->health(), v1::HEALTH_HEALTHY);
}

TEST(SdkThreadsTest, StatsFromAnotherThreadIsAnsweredAfterTheRunningHandler) {
  TempDir dir;
  const auto report = dir / "reentrant.report";
  ModuleSpec reentrant{"reentrant",
                       reentrantBinary().string(),
                       {"--report", report.string(), "--stats-from-thread", "300"}};
  TestNode node(reentrant.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  ASSERT_TRUE(node.publish(newBlock(1)).has_publish());
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "stats-waited "); })) << readFile(report);
  EXPECT_TRUE(reportHas(report, "stats-waited yes 1")) << readFile(report);
}

// After run() returned, something still arrives for the finished run() loop (here a second
// stop()): the I/O thread serves the socket again and must sleep, not spin on it.
TEST(SdkThreadsTest, AModuleLingeringAfterRunUsesNoCpu) {
  TempDir dir;
  const auto report = dir / "reentrant.report";
  ModuleSpec lingerer{"lingerer",
                      reentrantBinary().string(),
                      {"--report", report.string(), "--linger-after-stop", "600"}};
  TestNode node(lingerer.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  ASSERT_TRUE(node.publish(newBlock(1)).has_publish());
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "linger-cpu-ms "); })) << readFile(report);
  const auto lines = reportLines(report, "linger-cpu-ms ");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_LT(std::stol(lines[0].substr(14)), 100) << "of 600 ms lingering: " << readFile(report);
}

TEST(SdkThreadsTest, AHandlerFarBeyondTheDeadTimeoutIsStalledNotKilled) {
  TempDir dir;
  ModuleSpec slow{"slow", {}, {"--report", (dir / "slow.report").string(), "--delay-ms", "2500"}};
  TestNode node(watcher(dir) + slow.text(),
                "  missed_heartbeats: 3\n  dead_timeout_ms: 800\n"
                "  stall_timeout_ms: 400\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const int pid = node.module("slow")->pid();
  ASSERT_TRUE(node.publish(newBlock(1)).has_publish());
  const auto report = dir / "watcher.report";
  ASSERT_TRUE(waitFor([&] {
    return reportHas(report, "ModuleHealthChanged host slow:HEALTH_UNHEALTHY:stalled handler");
  })) << readFile(report);
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "slow:HEALTH_HEALTHY:recovered"); }))
      << readFile(report);
  EXPECT_FALSE(reportHas(report, "ModuleCrashed")) << readFile(report);
  EXPECT_FALSE(reportHas(report, "missed heartbeats")) << readFile(report);
  auto info = node.module("slow");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->pid(), pid);
  EXPECT_EQ(info->restarts(), 0u);
}

TEST(SdkThreadsTest, AConfiguredHandlerTimeoutKillsAHandlerThatDoesNotReturn) {
  TempDir dir;
  ModuleSpec stuck{
      "stuck", {}, {"--report", (dir / "stuck.report").string(), "--delay-ms", "60000"}};
  TestNode node(watcher(dir) + stuck.text(), "  handler_timeout_ms: 700\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  ASSERT_TRUE(node.publish(newBlock(1)).has_publish());
  const auto report = dir / "watcher.report";
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "ModuleCrashed host stuck:signal=9"); }))
      << readFile(report);
  EXPECT_NE(node.log().find("hung: a handler ran"), std::string::npos) << node.log();
}

TEST(SdkThreadsTest, AModuleStoppedWithEventsInFlightIsKilledAsHung) {
  TempDir dir;
  ModuleSpec frozen{
      "frozen", {}, {"--report", (dir / "frozen.report").string(), "--delay-ms", "50"}};
  TestNode node(watcher(dir) + frozen.text(), "  missed_heartbeats: 3\n  dead_timeout_ms: 800\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  for (int height = 1; height <= 20; ++height)
    ASSERT_TRUE(node.publish(newBlock(height)).has_publish());
  ASSERT_TRUE(waitFor([&] { return reportHas(dir / "frozen.report", "event E 1 "); }));
  ASSERT_EQ(::kill(node.module("frozen")->pid(), SIGSTOP), 0);
  const auto report = dir / "watcher.report";
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "ModuleCrashed host frozen:signal=9"); }))
      << readFile(report);
  EXPECT_NE(node.log().find("hung: no traffic for"), std::string::npos) << node.log();
}

}  // namespace
}  // namespace plexus::test
