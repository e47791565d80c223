// A module killed with SIGKILL while it holds events: the node notices at once (pidfd), removes
// it from routing, counts what it held as lost, keeps both invariants, and the other modules
// keep receiving.

#include <gtest/gtest.h>
#include <signal.h>

#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

TEST(CrashTest, SigkilledModuleIsRemovedItsHeldEventsAreLostAndOthersContinue) {
  TempDir scratch;
  const auto victimReport = scratch / "victim.report";
  const auto otherReport = scratch / "other.report";
  ModuleSpec victim{"victim", {}, {"--report", victimReport.string(), "--delay-ms", "200"}};
  victim.capacity = 20;
  ModuleSpec other{"other", {}, {"--report", otherReport.string()}};
  other.policy = "DELIVERY_POLICY_BLOCK";
  TestNode node(victim.text() + other.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();

  ASSERT_TRUE(node.publish(newBlock(1), 10).has_publish());
  ASSERT_TRUE(waitFor([&] { return node.stats("victim")->in_flight() >= 5; }));
  const int pid = node.module("victim")->pid();
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);

  ASSERT_TRUE(node.waitForState("victim", v1::MODULE_STATE_CRASHED)) << node.log();
  auto info = *node.module("victim");
  EXPECT_EQ(info.pid(), 0);
  EXPECT_EQ(info.last_exit(), "signal 9 (Killed)");
  auto stats = *node.stats("victim");
  expectInvariants(stats);
  EXPECT_EQ(stats.queued() + stats.in_flight(), 0u);
  EXPECT_GE(stats.lost(), 5u);
  EXPECT_EQ(stats.lost(), stats.successful() - stats.acked());

  v1::ControlRequest subscribers;
  subscribers.mutable_subscribers()->set_type(v1::EVENT_TYPE_NEW_BLOCK);
  auto reply = node.call(subscribers);
  ASSERT_EQ(reply.subscribers().module_ids_size(), 1);
  EXPECT_EQ(reply.subscribers().module_ids(0), "other");

  ASSERT_TRUE(node.publish(newBlock(2), 5).has_publish());
  ASSERT_TRUE(waitFor([&] { return probeEvents(otherReport).size() == 15; }));
  auto after = *node.stats("victim");
  EXPECT_EQ(after.routed(), stats.routed()) << "nothing is routed to a dead module";
  auto otherStats = *node.stats("other");
  EXPECT_EQ(otherStats.routed(), 15u);
  expectInvariants(otherStats);
  EXPECT_TRUE(node.log().find("module 'victim' crashed: signal 9 (Killed)") != std::string::npos)
      << node.log();
}

}  // namespace
}  // namespace plexus::test
