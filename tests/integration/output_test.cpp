// Module output: a module writing 50 MB to stdout never stalls, events keep flowing to it and to
// the others, and its lines are forwarded into the node's log with its id.

#include <gtest/gtest.h>

#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

TEST(OutputTest, AModuleSpamming50MegabytesNeverStallsAndEveryoneKeepsReceiving) {
  TempDir dir;
  const auto spammyReport = dir / "spammy.report";
  const auto otherReport = dir / "other.report";
  ModuleSpec spammy{"spammy", {}, {"--report", spammyReport.string(), "--spam-bytes", "50000000"}};
  spammy.policy = "DELIVERY_POLICY_BLOCK";
  ModuleSpec other{"other", {}, {"--report", otherReport.string()}};
  other.policy = "DELIVERY_POLICY_BLOCK";
  TestNode node(spammy.text() + other.text(), "  block_timeout_ms: 20000\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  for (std::uint64_t round = 1; round <= 5; ++round) {
    auto reply = node.publish(newBlock(round), 400);
    ASSERT_TRUE(reply.has_publish()) << reply.DebugString();
    ASSERT_EQ(reply.publish().dropped(), 0u);
  }
  ASSERT_TRUE(waitFor([&] { return probeEvents(otherReport).size() == 2000; }, 60s));
  ASSERT_TRUE(waitFor([&] { return probeEvents(spammyReport).size() == 2000; }, 60s));
  ASSERT_TRUE(waitFor([&] { return reportHas(spammyReport, "spam-done"); }, 120s))
      << "the module stalled on its stdout";
  // Its half-million lines reach the node's log, prefixed with its id.
  ASSERT_TRUE(waitFor(
      [&] {
        auto log = node.log();
        std::size_t count = 0;
        for (auto at = log.find("[module.spammy] stdout: xxx"); at != std::string::npos;
             at = log.find("[module.spammy] stdout: xxx", at + 1)) {
          ++count;
        }
        return count == 500000;
      },
      120s, 200ms));
  auto stats = *node.stats("spammy");
  EXPECT_EQ(stats.channel_full(), 0u);
  expectInvariants(stats);
  EXPECT_EQ(node.module("spammy")->state(), v1::MODULE_STATE_READY);
}

}  // namespace
}  // namespace plexus::test
