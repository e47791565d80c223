// `plexusctl publish --count N` that takes the node longer than --timeout (issue 10, item 6): the
// node reports progress, so plexusctl waits for the real answer instead of reporting the node
// unreachable; and once plexusctl is gone, the node stops publishing rather than carrying on
// with millions of events nobody waits for.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <regex>

#include "test_node.h"

extern char** environ;

namespace plexus::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// A block-policy probe with room for one event that takes 1 ms per event: a publish of N events
// takes the node at least N ms.
TestNode slowNode(const std::filesystem::path& report) {
  ModuleSpec slow{
      "slow", {}, {"--report", report.string(), "--types", "NewBlock", "--delay-ms", "1"}};
  slow.capacity = 1;
  slow.policy = "DELIVERY_POLICY_BLOCK";
  return TestNode(slow.text());
}

TEST(PublishProgressTest, APublishLongerThanTheTimeoutIsFollowedToItsAnswer) {
  TempDir dir;
  TestNode node = slowNode(dir / "slow.report");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  // At least 1.5 s of work against a 200 ms timeout.
  auto run = runCtl(node, "--timeout 200 publish NewBlock --count 1500", true);
  EXPECT_EQ(run.exitCode, 0) << run.out << node.log();
  EXPECT_EQ(run.out,
            "published 1500 event(s) of NewBlock: delivered to 1 module(s); accepted 1500, "
            "dropped 0, failed 0, timed out 0\n");
}

TEST(PublishProgressTest, TheNodeStopsPublishingOnceTheClientIsGone) {
  TempDir dir;
  TestNode node = slowNode(dir / "slow.report");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();

  const std::string ctl = ctlBinary().string();
  const std::string runtimeDir = node.runtimeDir().string();
  std::vector<std::string> args = {ctl,       "--runtime-dir", runtimeDir, "--timeout", "200",
                                   "publish", "NewBlock",      "--count",  "2000000"};
  std::vector<char*> argv;
  argv.reserve(args.size());
  for (auto& arg : args)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t client = -1;
  ASSERT_EQ(::posix_spawn(&client, ctl.c_str(), nullptr, nullptr, argv.data(), environ), 0);

  // Well past the client's timeout, the publish still runs and the client still waits.
  ASSERT_TRUE(waitFor([&] { return node.stats("slow")->routed() >= 600; })) << node.log();
  int status = 0;
  EXPECT_EQ(::waitpid(client, &status, WNOHANG), 0)
      << "plexusctl gave up (exit status " << WEXITSTATUS(status) << ")";
  ::kill(client, SIGKILL);
  ::waitpid(client, &status, 0);

  const std::regex stopped("operator publish stopped after ([0-9]+) of 2000000 event\\(s\\)");
  std::smatch match;
  std::string log;
  ASSERT_TRUE(waitFor([&] {
    log = node.log();
    return std::regex_search(log, match, stopped);
  })) << log;
  const std::uint64_t published = std::stoull(match[1]);
  EXPECT_LT(published, 2000000u);
  // What it published is handled, and nothing more comes: while a publish runs, the module
  // always has an event in flight or waiting.
  ASSERT_TRUE(waitFor([&] {
    auto stats = *node.stats("slow");
    return stats.acked() == stats.successful() && stats.blocked() == 0;
  })) << node.stats("slow")->DebugString();
  EXPECT_LE(node.stats("slow")->routed(), published + 1) << node.stats("slow")->DebugString();
  expectInvariants(*node.stats("slow"));
}

}  // namespace
}  // namespace plexus::test
