// The priority lane end to end (docs/design.md "Priority lane"), with the real node and real
// modules: critical events published into a flood that keeps a slow module's event lane full
// reach its handler ahead of the event-lane events it already holds, none dropped, with exact
// per-lane sequence numbers; a module that negotiated 1.2 gets them in order on its event lane;
// an urgent maintenance round travels on the critical lane in bracket order; both invariants
// hold per lane and in total.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lanes_report.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using ::testing::HasSubstr;

v1::Event reorg(std::uint64_t forkHeight) {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_CHAIN_REORG);
  event.mutable_chain_reorg()->set_new_tip("00cd");
  event.mutable_chain_reorg()->set_fork_height(forkHeight);
  return event;
}

ModuleSpec lanesModule(const std::string& id, const std::filesystem::path& report,
                       std::vector<std::string> args = {}) {
  ModuleSpec spec(id, (binDir() / "plexus-test-lanes").string(), {"--report", report.string()});
  spec.args.insert(spec.args.end(), args.begin(), args.end());
  return spec;
}

using Handled = LaneHandled;

std::size_t countOf(const std::vector<Handled>& handled, const std::string& type) {
  std::size_t n = 0;
  for (const auto& h : handled)
    n += h.type == type;
  return n;
}

// For the i-th handled event (a ChainReorg with fork_height k, published after every NewBlock of
// height <= k): how many of those NewBlocks ran after it, i.e. how many it overtook.
std::size_t overtaken(const std::vector<Handled>& handled, std::size_t i) {
  std::size_t n = 0;
  for (std::size_t j = i + 1; j < handled.size(); ++j) {
    n += handled[j].type == "NewBlock" && handled[j].number <= handled[i].number;
  }
  return n;
}

const v1::LaneStats* laneOf(const v1::DeliveryStats& stats, v1::Lane lane) {
  for (const auto& one : stats.lanes()) {
    if (one.lane() == lane) return &one;
  }
  return nullptr;
}

TEST(PriorityLaneTest, CriticalEventsOvertakeAFullEventLaneAndNoneIsDropped) {
  TempDir scratch;
  const auto slowReport = scratch / "slow.report", oldReport = scratch / "old.report";
  // 1 ms per event, 100 event-lane slots and the default 10 critical ones, drop policy.
  ModuleSpec slow = lanesModule("slow", slowReport, {"--handler-us", "1000"});
  // Speaks 1.2: no critical lane. Room for everything, so it drops nothing.
  ModuleSpec old = lanesModule("old", oldReport, {"--protocol", "1.2"});
  old.capacity = 10000;
  TestNode node(slow.text() + old.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();

  // Each round tops the event lane up and publishes one critical event into it; the next round
  // starts once the module handled that one (critical events are rare: a burst of more than
  // critical_capacity of them within one handler's time would fill their own lane).
  constexpr std::uint64_t kRounds = 12;
  for (std::uint64_t k = 1; k <= kRounds; ++k) {
    ASSERT_TRUE(node.publish(newBlock(k), 150).has_publish()) << node.log();  // fills the lane
    ASSERT_TRUE(node.publish(reorg(k)).has_publish()) << node.log();
    ASSERT_TRUE(waitFor([&] { return countOf(laneHandledIn(slowReport), "ChainReorg") == k; }))
        << readFile(slowReport) << node.log();
  }
  ASSERT_TRUE(waitFor([&] { return countOf(laneHandledIn(oldReport), "ChainReorg") == kRounds; }))
      << readFile(oldReport);
  ASSERT_TRUE(drainAndCheckInvariants(node)) << node.log();

  const auto slowHandled = laneHandledIn(slowReport);
  std::uint64_t expectedSeq = 1;
  for (std::size_t i = 0; i < slowHandled.size(); ++i) {
    const Handled& h = slowHandled[i];
    if (h.type != "ChainReorg") continue;
    SCOPED_TRACE("ChainReorg " + std::to_string(h.number));
    EXPECT_EQ(h.lane, "critical");
    EXPECT_EQ(h.seq, expectedSeq++) << "the critical lane's own, gapless sequence";
    EXPECT_EQ(h.droppedBefore, 0u);
    // Published while ~100 NewBlocks of its round waited for the module: without the lane it
    // would run after all of them.
    EXPECT_GE(overtaken(slowHandled, i), 10u);
  }
  const auto slowStats = *node.stats("slow");
  const v1::LaneStats* critical = laneOf(slowStats, v1::LANE_CRITICAL);
  const v1::LaneStats* event = laneOf(slowStats, v1::LANE_EVENT);
  ASSERT_NE(critical, nullptr);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(critical->routed(), kRounds);
  EXPECT_EQ(critical->channel_full(), 0u) << "no critical event dropped";
  EXPECT_EQ(critical->acked(), kRounds);
  EXPECT_EQ(critical->capacity(), 10u);
  EXPECT_GT(event->channel_full(), 0u) << "the flood did fill the event lane";
  EXPECT_EQ(event->capacity(), 100u);
  EXPECT_EQ(slowStats.channel_full(), event->channel_full());

  // 1.2: the same events on its one acked lane, in publish order: nothing overtakes, nothing lost.
  const auto oldHandled = laneHandledIn(oldReport);
  EXPECT_EQ(countOf(oldHandled, "NewBlock"), kRounds * 150);
  for (std::size_t i = 0; i < oldHandled.size(); ++i) {
    if (oldHandled[i].type != "ChainReorg") continue;
    EXPECT_EQ(oldHandled[i].lane, "event");
    EXPECT_EQ(overtaken(oldHandled, i), 0u);
  }
  const auto oldStats = *node.stats("old");
  EXPECT_EQ(oldStats.channel_full(), 0u);
  ASSERT_NE(laneOf(oldStats, v1::LANE_CRITICAL), nullptr);
  EXPECT_EQ(laneOf(oldStats, v1::LANE_CRITICAL)->routed(), 0u);
  EXPECT_EQ(laneOf(oldStats, v1::LANE_CRITICAL)->capacity(), 0u);
}

TEST(PriorityLaneTest, AnUrgentMaintenanceRoundTravelsOnTheCriticalLaneInBracketOrder) {
  TempDir scratch;
  const auto report = scratch / "m.report";
  ModuleSpec module = lanesModule("m", report, {"--handler-us", "1000"});
  TestNode node(module.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  ASSERT_TRUE(node.publish(newBlock(1), 150).has_publish());  // 100 held, 50 dropped
  const auto urgent = runCtl(node, "maintenance flush --urgency high --reason reorg", true);
  ASSERT_EQ(urgent.exitCode, 0) << urgent.out;
  ASSERT_TRUE(waitFor([&] { return countOf(laneHandledIn(report), "MaintenanceCompleted") == 1; }))
      << readFile(report) << node.log();
  ASSERT_TRUE(drainAndCheckInvariants(node)) << node.log();
  const auto routine = runCtl(node, "maintenance flush --urgency low --reason routine", true);
  ASSERT_EQ(routine.exitCode, 0) << routine.out;
  ASSERT_TRUE(waitFor([&] { return countOf(laneHandledIn(report), "MaintenanceCompleted") == 2; }))
      << readFile(report) << node.log();
  ASSERT_TRUE(drainAndCheckInvariants(node)) << node.log();

  std::vector<std::string> urgentBracket, routineBracket;
  const auto handled = laneHandledIn(report);
  std::size_t newBlocksAfterUrgentStart = 0;
  bool urgentStarted = false;
  for (const auto& h : handled) {
    if (h.type == "NewBlock") {
      newBlocksAfterUrgentStart += urgentStarted;
      continue;
    }
    urgentStarted = true;
    (h.lane == "critical" ? urgentBracket : routineBracket).push_back(h.type);
  }
  const std::vector<std::string> bracket{"MaintenanceStarted", "DataMaintenance",
                                         "MaintenanceCompleted"};
  EXPECT_EQ(urgentBracket, bracket) << readFile(report);
  EXPECT_EQ(routineBracket, bracket) << "low urgency: the event lane";
  EXPECT_GT(newBlocksAfterUrgentStart, 0u) << "the urgent round overtook the held NewBlocks";
}

}  // namespace
}  // namespace plexus::test
