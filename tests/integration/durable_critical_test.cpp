// Critical events of a durable module in the real node (docs/design.md "Critical events of a
// durable module"): a slow durable module whose event lane is full catches up from the journal;
// a ChainReorg (critical, journaled) published meanwhile reaches its handler at once on the
// critical lane, ahead of the NewBlocks still to come, and the catch-up does not deliver it
// again: every event exactly once, the event lane without gaps.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lanes_report.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using Handled = LaneHandled;

TEST(DurableCriticalTest, ACriticalEventReachesACatchingUpDurableModuleAtOnceAndOnlyOnce) {
  TempDir scratch;
  const auto report = scratch / "d.report";
  // 2 ms per event, 100 event-lane slots, 10 critical ones.
  ModuleSpec spec("d", (binDir() / "plexus-test-lanes").string(),
                  {"--report", report.string(), "--handler-us", "2000"});
  spec.extra = "durable: true\n";
  TestNode node(spec.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();

  constexpr std::size_t kBlocks =
      400;  // 100 fill its lane; the rest it catches up from the journal
  ASSERT_TRUE(node.publish(newBlock(1), kBlocks).has_publish()) << node.log();
  v1::Event reorg;
  reorg.set_type(v1::EVENT_TYPE_CHAIN_REORG);
  reorg.mutable_chain_reorg()->set_new_tip("00cd");
  reorg.mutable_chain_reorg()->set_fork_height(1);
  ASSERT_TRUE(node.publish(reorg).has_publish()) << node.log();

  ASSERT_TRUE(waitFor([&] { return laneHandledIn(report).size() >= kBlocks + 1; }))
      << readFile(report) << node.log();
  ASSERT_TRUE(drainAndCheckInvariants(node)) << node.log();
  const auto handled = laneHandledIn(report);
  ASSERT_EQ(handled.size(), kBlocks + 1) << "every event exactly once\n" << readFile(report);
  std::size_t reorgAt = handled.size(), blocks = 0;
  for (std::size_t i = 0; i < handled.size(); ++i) {
    if (handled[i].type == "ChainReorg") {
      EXPECT_EQ(reorgAt, handled.size()) << "the ChainReorg came twice";
      reorgAt = i;
      EXPECT_EQ(handled[i].lane, "critical");
      EXPECT_EQ(handled[i].seq, 1u);
      continue;
    }
    ++blocks;
    EXPECT_EQ(handled[i].lane, "event");
    EXPECT_EQ(handled[i].seq, blocks) << "the event lane has no gap";
    EXPECT_EQ(handled[i].droppedBefore, 0u);
  }
  ASSERT_LT(reorgAt, handled.size());
  EXPECT_LT(reorgAt, kBlocks / 2) << "it overtook the NewBlocks of the catch-up";
  const auto stats = node.stats("d");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->channel_full(), 0u);
  EXPECT_GT(stats->replayed(), 0u) << "it did catch up from the journal";
}

}  // namespace
}  // namespace plexus::test
