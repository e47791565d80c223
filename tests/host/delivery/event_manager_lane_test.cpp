// The priority lane (docs/design.md "Priority lane"): a critical event takes a slot of its own
// lane even when the event lane is full, is sent ahead of queued event-lane events, keeps its
// own sequence numbers and dropped_before, and waits (block policy) only behind critical
// events; acks name their lane; a module without a critical lane gets critical events on its
// event lane; both invariants hold per lane and in total.

#include "event_manager_fixture.h"

namespace plexus::host {
namespace {

v1::Event reorgEvent(std::uint32_t depth) {
  v1::Event event = hostEvent(v1::EVENT_TYPE_CHAIN_REORG);
  event.mutable_chain_reorg()->set_new_tip("00cd");
  event.mutable_chain_reorg()->set_depth(depth);
  return event;
}

class EventManagerLaneTest : public EventManagerTest {
 public:
  // Attaches `id` with `capacity` event-lane and `critical` critical-lane slots, subscribed to
  // NewBlock and ChainReorg.
  void loadLanes(const std::string& id, std::uint32_t capacity, std::uint32_t critical,
                 DeliveryPolicy policy = DeliveryPolicy::Drop) {
    attach(id, capacity, policy, 1, critical);
    const std::vector<v1::EventType> types{v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_CHAIN_REORG};
    ASSERT_TRUE(em.subscribe(id, types).ok());
    em.flush();
    sink.delivered.clear();
  }
  std::optional<PublishReport> publishReorg(std::uint32_t depth, PublishWaiter* waiter = nullptr,
                                            std::uint64_t token = 0) {
    reorgBody = serializeEvent(reorgEvent(depth));
    return em.publish(v1::EVENT_TYPE_CHAIN_REORG, reorgBody, {waiter, token});
  }
  const v1::LaneStats& lane(const v1::DeliveryStats& s, v1::Lane which) {
    for (const auto& one : s.lanes()) {
      if (one.lane() == which) return one;
    }
    ADD_FAILURE() << "no stats for " << v1::Lane_Name(which);
    return s.lanes(0);
  }
  std::uint64_t lastSeq(const std::string& id, v1::Lane which) {
    auto events = sink.lane(id, which);
    return events.empty() ? 0 : events.back().seq;
  }

  ipc::SharedBytes reorgBody;
};

TEST_F(EventManagerLaneTest, ACriticalEventOvertakesAFullEventLane) {
  loadLanes("slow", 2, 2);
  for (int h = 1; h <= 3; ++h)
    publishBlock(h);  // the third finds the event lane full
  auto report = publishReorg(1);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->accepted, 1u) << "the event lane's flood does not take critical slots";
  EXPECT_EQ(report->dropped, 0u);
  em.flush();
  const auto& all = sink.delivered["slow"];
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].lane, v1::LANE_CRITICAL) << "sent ahead of the queued event-lane events";
  EXPECT_EQ(all[0].seq, 1u) << "the critical lane numbers its own events";
  EXPECT_EQ(all[1].lane, v1::LANE_EVENT);
  EXPECT_EQ(all[2].lane, v1::LANE_EVENT);
  const auto s = stats("slow");
  EXPECT_EQ(lane(s, v1::LANE_EVENT).channel_full(), 1u);
  EXPECT_EQ(lane(s, v1::LANE_EVENT).capacity(), 2u);
  EXPECT_EQ(lane(s, v1::LANE_CRITICAL).successful(), 1u);
  EXPECT_EQ(lane(s, v1::LANE_CRITICAL).in_flight(), 1u);
  EXPECT_EQ(lane(s, v1::LANE_CRITICAL).channel_full(), 0u);
  EXPECT_EQ(s.capacity(), 4u) << "totals: both lanes' slots";
  EXPECT_EQ(s.routed(), 4u);
  expectInvariants();
}

TEST_F(EventManagerLaneTest, FullCriticalSlotsDropUnderDropPolicyCountedOnTheCriticalLane) {
  loadLanes("m", 100, 1);
  publishReorg(1);
  auto second = publishReorg(2);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->dropped, 1u) << "no borrowing of event-lane slots";
  em.flush();
  ASSERT_TRUE(em.ack("m", 1, v1::LANE_CRITICAL).ok());
  publishReorg(3);
  em.flush();
  const auto events = sink.lane("m", v1::LANE_CRITICAL);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].seq, 3u) << "a dropped critical event consumes its seq";
  EXPECT_EQ(events[1].droppedBefore, 1u);
  const auto s = stats("m");
  EXPECT_EQ(lane(s, v1::LANE_CRITICAL).channel_full(), 1u);
  EXPECT_EQ(lane(s, v1::LANE_CRITICAL).acked(), 1u);
  EXPECT_EQ(lane(s, v1::LANE_EVENT).routed(), 0u);
  EXPECT_EQ(s.channel_full(), 1u);
  expectInvariants();
}

TEST_F(EventManagerLaneTest, UnderBlockPolicyACriticalEventWaitsOnlyBehindCriticalEvents) {
  loadLanes("b", 1, 1, DeliveryPolicy::Block);
  RecordingWaiter waiter;
  ASSERT_TRUE(publishBlock(1, &waiter, 1).has_value());
  EXPECT_FALSE(publishBlock(2, &waiter, 2).has_value()) << "waits for event-lane room";
  auto reorg = publishReorg(1, &waiter, 3);
  ASSERT_TRUE(reorg.has_value()) << "not behind the waiting NewBlock";
  EXPECT_EQ(reorg->accepted, 1u);
  EXPECT_FALSE(publishReorg(2, &waiter, 4).has_value()) << "waits for critical room";
  em.flush();
  ASSERT_TRUE(em.ack("b", lastSeq("b", v1::LANE_CRITICAL), v1::LANE_CRITICAL).ok());
  ASSERT_TRUE(waiter.done.contains(4)) << "a critical ack admits the waiting critical event";
  EXPECT_EQ(waiter.done[4].accepted, 1u);
  EXPECT_FALSE(waiter.done.contains(2)) << "and not the event-lane one";
  ASSERT_TRUE(em.ack("b", lastSeq("b", v1::LANE_EVENT)).ok());
  ASSERT_TRUE(waiter.done.contains(2));
  EXPECT_EQ(waiter.done[2].accepted, 1u);
  expectInvariants();
}

TEST_F(EventManagerLaneTest, ABlockedCriticalEventTimesOutOnItsOwnLane) {
  loadLanes("b", 4, 1, DeliveryPolicy::Block);
  RecordingWaiter waiter;
  publishReorg(1, &waiter, 1);
  EXPECT_FALSE(publishReorg(2, &waiter, 2).has_value());
  EXPECT_EQ(lane(stats("b"), v1::LANE_CRITICAL).blocked(), 1u);
  now += std::chrono::milliseconds(1001);
  em.expire();
  ASSERT_TRUE(waiter.done.contains(2));
  EXPECT_EQ(waiter.done[2].timedOut, 1u);
  const auto s = stats("b");
  EXPECT_EQ(lane(s, v1::LANE_CRITICAL).channel_full(), 1u);
  EXPECT_EQ(lane(s, v1::LANE_EVENT).channel_full(), 0u);
  expectInvariants();
}

TEST_F(EventManagerLaneTest, AcksNameTheirLane) {
  loadLanes("m", 4, 2);
  publishBlock(1);
  publishReorg(1);
  em.flush();
  auto beyond = em.ack("m", 2, v1::LANE_CRITICAL);
  EXPECT_FALSE(beyond.ok()) << "acking a critical seq never sent";
  EXPECT_FALSE(em.ack("m", 1, v1::LANE_LIFECYCLE).ok()) << "the lifecycle lane is not acked";
  ASSERT_TRUE(em.ack("m", 1, v1::LANE_UNSPECIFIED).ok()) << "unspecified = the event lane";
  auto s = stats("m");
  EXPECT_EQ(lane(s, v1::LANE_EVENT).acked(), 1u);
  EXPECT_EQ(lane(s, v1::LANE_CRITICAL).acked(), 0u);
  EXPECT_EQ(lane(s, v1::LANE_CRITICAL).in_flight(), 1u);
  ASSERT_TRUE(em.ack("m", 1, v1::LANE_CRITICAL).ok());
  s = stats("m");
  EXPECT_EQ(lane(s, v1::LANE_CRITICAL).acked(), 1u);
  EXPECT_EQ(s.acked(), 2u);
  expectInvariants();
}

TEST_F(EventManagerLaneTest, AModuleWithoutACriticalLaneGetsCriticalEventsOnItsEventLane) {
  loadLanes("old", 3, 0);
  publishBlock(1);
  publishReorg(1);
  em.flush();
  const auto& all = sink.delivered["old"];
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].lane, v1::LANE_EVENT) << "in order, on the event lane: nothing overtakes";
  EXPECT_EQ(all[1].seq, 2u);
  EXPECT_FALSE(em.ack("old", 1, v1::LANE_CRITICAL).ok()) << "it has no critical lane";
  const auto s = stats("old");
  EXPECT_EQ(lane(s, v1::LANE_EVENT).routed(), 2u);
  EXPECT_EQ(lane(s, v1::LANE_CRITICAL).routed(), 0u);
  EXPECT_EQ(lane(s, v1::LANE_CRITICAL).capacity(), 0u);
  expectInvariants();
}

TEST_F(EventManagerLaneTest, ACriticalPublishRaisesANormalTypeAndHandledFollowsItsLane) {
  loadLanes("m", 4, 2);
  publishBlock(1);
  body = serializeEvent(blockEvent(7));
  PublishOptions options;
  options.critical = true;
  std::vector<Acceptance> accepted;
  em.publish(v1::EVENT_TYPE_NEW_BLOCK, body, options, &accepted);
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].lane, AckedLane::Critical);
  em.flush();
  EXPECT_EQ(sink.lane("m", v1::LANE_CRITICAL).size(), 1u);
  EXPECT_FALSE(em.handled(accepted[0]));
  ASSERT_TRUE(em.ack("m", 1).ok());  // an event-lane ack does not release it
  EXPECT_FALSE(em.handled(accepted[0]));
  ASSERT_TRUE(em.ack("m", 1, v1::LANE_CRITICAL).ok());
  EXPECT_TRUE(em.handled(accepted[0]));
}

TEST_F(EventManagerLaneTest, DetachCountsWhatEachLaneHeldAsLostAndResetKeepsIt) {
  loadLanes("m", 4, 2);
  publishBlock(1);
  publishBlock(2);
  publishReorg(1);
  em.flush();
  ASSERT_TRUE(em.resetStats("m"));
  auto s = stats("m");
  EXPECT_EQ(lane(s, v1::LANE_EVENT).successful(), 2u) << "held events stay counted";
  EXPECT_EQ(lane(s, v1::LANE_CRITICAL).successful(), 1u);
  expectInvariants();
  em.detach("m");
  s = stats("m");
  EXPECT_EQ(lane(s, v1::LANE_EVENT).lost(), 2u);
  EXPECT_EQ(lane(s, v1::LANE_CRITICAL).lost(), 1u);
  EXPECT_EQ(s.lost(), 3u);
  expectInvariants();
}

}  // namespace
}  // namespace plexus::host
