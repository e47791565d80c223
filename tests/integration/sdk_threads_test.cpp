// The SDK's thread shape against the real node: the thread in run() owns the socket, so
//  - a handler's own publish() reads the socket until its answer comes, keeping the events
//    that arrive meanwhile for after it: none lost, none reordered, no deadlock;
//  - its error paths: a publish a block subscriber does not take in time answers TIMEOUT and
//    the module carries on; a publish pending when the node dies answers UNAVAILABLE and run()
//    returns 2 (connection lost): the module exits, it does not hang;
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

// A block-policy subscriber of PeerConnected with room for one event, whose handler outlasts
// the test: once it holds one, every later PeerConnected waits for the node's block timeout.
ModuleSpec fullPeerSubscriber(const TempDir& dir) {
  ModuleSpec spec{"full",
                  {},
                  {"--report", (dir / "full.report").string(), "--types", "PeerConnected",
                   "--delay-ms", "60000"}};
  spec.capacity = 1;
  spec.policy = "DELIVERY_POLICY_BLOCK";
  return spec;
}

// The reentrant module: each NewBlock's handler publishes a PeerConnected, which only the full
// subscriber takes.
ModuleSpec peerPublisher(const std::filesystem::path& report,
                         const std::vector<std::string>& extraArgs = {}) {
  ModuleSpec spec{
      "publisher",
      reentrantBinary().string(),
      {"--report", report.string(), "--publish-in-handler", "--publish-type", "PeerConnected"}};
  spec.args.insert(spec.args.end(), extraArgs.begin(), extraArgs.end());
  spec.extra = "  capabilities { publish: [EVENT_TYPE_PEER_CONNECTED] }\n";
  return spec;
}

// The operator's PeerConnected takes the full subscriber's only slot for good.
void fillTheFullSubscriber(TestNode& node, const TempDir& dir) {
  ASSERT_TRUE(node.publish(peerConnected("operator")).has_publish());
  ASSERT_TRUE(waitFor([&] { return reportHas(dir / "full.report", "event E 1 "); }))
      << readFile(dir / "full.report") << node.log();
}

TEST(SdkThreadsTest, AHandlersOwnPublishNotTakenInTimeAnswersTimeoutAndTheModuleCarriesOn) {
  TempDir dir;
  const auto report = dir / "publisher.report";
  TestNode node(fullPeerSubscriber(dir).text() + peerPublisher(report).text(),
                "  block_timeout_ms: 300\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const auto before = *node.module("publisher");
  fillTheFullSubscriber(node, dir);
  // Events 2 and 3 arrive while the first handler waits for its answer.
  for (std::uint64_t height = 1; height <= 3; ++height)
    ASSERT_TRUE(node.publish(newBlock(height)).has_publish());
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "handler-publish 3 "); }))
      << readFile(report) << node.log();
  // Each handler's publish timed out, then the next event was handled: in order, none lost.
  std::vector<std::string> expected;
  for (int height = 1; height <= 3; ++height) {
    expected.push_back("event " + std::to_string(height));
    expected.push_back("handler-publish " + std::to_string(height) +
                       " ERROR_CODE_TIMEOUT 1 block-policy subscriber(s) did not take the "
                       "event: full (timed out) (block timeout 300 ms)");
  }
  EXPECT_EQ(readLines(report), expected) << node.log();
  const auto after = *node.module("publisher");
  EXPECT_EQ(after.pid(), before.pid());
  EXPECT_EQ(after.state(), v1::MODULE_STATE_READY);
  EXPECT_EQ(after.health(), v1::HEALTH_HEALTHY);
  EXPECT_EQ(node.stats("full")->blocked(), 0u) << "every publish was answered";
}

TEST(SdkThreadsTest, AHandlersOwnPublishPendingWhenTheNodeDiesAnswersUnavailableAndRunEnds) {
  TempDir dir;
  const auto report = dir / "publisher.report";
  // --outlive-node: the module survives the node, as one whose node dropped its connection.
  TestNode node(fullPeerSubscriber(dir).text() + peerPublisher(report, {"--outlive-node"}).text(),
                "  block_timeout_ms: 60000\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const pid_t pid = node.module("publisher")->pid();
  struct Reaper {  // whatever happens, the module does not outlive the test
    pid_t pid;
    ~Reaper() {
      if (processAlive(pid)) ::kill(pid, SIGKILL);
    }
  } reaper{pid};
  fillTheFullSubscriber(node, dir);
  ASSERT_TRUE(node.publish(newBlock(1)).has_publish());
  // The handler's publish waits at the node for the full subscriber.
  ASSERT_TRUE(waitFor([&] { return node.stats("full")->blocked() == 1; })) << node.log();
  ASSERT_EQ(readLines(report), std::vector<std::string>{"event 1"});

  ASSERT_EQ(::kill(node.pid(), SIGKILL), 0);
  ASSERT_TRUE(waitFor([&] { return !node.running(); }));
  ASSERT_TRUE(waitFor([&] { return !processAlive(pid); }, 10s))
      << "the module hangs: " << readFile(report);
  EXPECT_EQ(readLines(report),
            (std::vector<std::string>{
                "event 1",
                "handler-publish 1 ERROR_CODE_UNAVAILABLE the connection to plexus-node is lost",
                "exit 2"}));
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
