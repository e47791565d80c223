// EventManager publishing: exact capacity under the drop policy, drop counting and sequence
// gaps, one batch per loop iteration, the lifecycle lane, and what the transport answers
// (backpressure, an unreachable peer).

#include "event_manager_fixture.h"

namespace plexus::host {
namespace {

TEST_F(EventManagerTest, DropPolicyHoldsExactlyCapacityAndCountsEveryDrop) {
  load("slow", 3);
  for (int i = 1; i <= 10; ++i) {
    publishBlock(i);
    expectInvariants();
  }
  em.flush();
  auto s = stats("slow");
  EXPECT_EQ(s.routed(), 10u);
  EXPECT_EQ(s.successful(), 3u);
  EXPECT_EQ(s.channel_full(), 7u);
  EXPECT_EQ(s.in_flight(), 3u);
  EXPECT_EQ(s.queued(), 0u);
  EXPECT_EQ(s.max_held(), 3u);
  expectInvariants();

  // Credit comes back: exactly that much room reopens.
  ASSERT_TRUE(em.ack("slow", 2).ok());
  expectInvariants();
  for (int i = 11; i <= 14; ++i)
    publishBlock(i);
  em.flush();
  s = stats("slow");
  EXPECT_EQ(s.successful(), 5u);
  EXPECT_EQ(s.channel_full(), 9u);
  EXPECT_EQ(s.acked(), 2u);
  EXPECT_EQ(s.in_flight(), 3u);
  expectInvariants();
}

TEST_F(EventManagerTest, SequenceGapsEqualDroppedBefore) {
  load("m", 2);
  for (int i = 1; i <= 5; ++i)
    publishBlock(i);  // seq 1,2 accepted; 3,4,5 dropped
  em.flush();
  ASSERT_TRUE(em.ack("m", 2).ok());
  publishBlock(6);  // seq 6
  em.flush();
  auto events = sink.lane("m", v1::LANE_EVENT);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].seq, 1u);
  EXPECT_EQ(events[0].droppedBefore, 0u);
  EXPECT_EQ(events[1].seq, 2u);
  EXPECT_EQ(events[2].seq, 6u);
  EXPECT_EQ(events[2].droppedBefore, 3u);
  EXPECT_EQ(stats("m").channel_full(), 3u);
  // Every delivered seq = previous + 1 + dropped_before.
  std::uint64_t previous = 0;
  for (const auto& e : events) {
    EXPECT_EQ(e.seq, previous + 1 + e.droppedBefore);
    previous = e.seq;
  }
  expectInvariants();
}

TEST_F(EventManagerTest, EventsQueuedInOneIterationLeaveAsOneBatchInPublishOrder) {
  load("m", 100);
  for (int i = 1; i <= 40; ++i)
    publishBlock(i);
  em.flush();
  EXPECT_EQ(sink.batches["m"], 1);
  auto events = sink.lane("m", v1::LANE_EVENT);
  ASSERT_EQ(events.size(), 40u);
  for (std::size_t i = 0; i < events.size(); ++i) {
    v1::Event event;
    ASSERT_TRUE(event.ParseFromString(events[i].body));
    EXPECT_EQ(event.new_block().height(), i + 1);
    EXPECT_EQ(events[i].seq, i + 1);
  }
}

TEST_F(EventManagerTest, LifecycleLaneGoesFirstAndNodeShutdownReachesEveryone) {
  load("m", 2, {v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_MODULE_CRASHED});
  attach("quiet", 2);  // attached, never subscribed
  publishBlock(1);
  em.publish(v1::EVENT_TYPE_MODULE_CRASHED,
             serializeEvent(hostEvent(v1::EVENT_TYPE_MODULE_CRASHED)));
  em.publishToAll(serializeEvent(hostEvent(v1::EVENT_TYPE_NODE_SHUTDOWN)));
  em.flush();
  auto all = sink.delivered["m"];
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].lane, v1::LANE_LIFECYCLE);
  EXPECT_EQ(all[1].lane, v1::LANE_LIFECYCLE);
  EXPECT_EQ(all[2].lane, v1::LANE_EVENT);
  ASSERT_EQ(sink.lane("quiet", v1::LANE_LIFECYCLE).size(), 1u);
  v1::Event shutdown;
  ASSERT_TRUE(shutdown.ParseFromString(sink.lane("quiet", v1::LANE_LIFECYCLE)[0].body));
  EXPECT_EQ(shutdown.type(), v1::EVENT_TYPE_NODE_SHUTDOWN);
  // A full channel never holds back the lifecycle lane.
  for (int i = 2; i <= 5; ++i)
    publishBlock(i);
  em.publish(v1::EVENT_TYPE_MODULE_CRASHED,
             serializeEvent(hostEvent(v1::EVENT_TYPE_MODULE_CRASHED)));
  em.flush();
  EXPECT_EQ(sink.lane("m", v1::LANE_LIFECYCLE).size(), 3u);
  expectInvariants();
}

TEST_F(EventManagerTest, TransportBackpressureKeepsEventsQueuedAndRetries) {
  load("m", 10);
  sink.modes["m"] = SendStatus::WouldBlock;
  for (int i = 1; i <= 3; ++i)
    publishBlock(i);
  em.flush();
  EXPECT_EQ(stats("m").queued(), 3u);
  ASSERT_TRUE(em.nextDeadline().has_value()) << "a retry is scheduled";
  sink.modes["m"] = SendStatus::Sent;
  em.flush();
  EXPECT_EQ(stats("m").queued(), 0u);
  EXPECT_EQ(stats("m").in_flight(), 3u);
  EXPECT_EQ(sink.lane("m", v1::LANE_EVENT).size(), 3u);
  EXPECT_FALSE(em.nextDeadline().has_value());
  expectInvariants();
}

TEST_F(EventManagerTest, UnreachablePeerIsReportedOnce) {
  load("gone", 10);
  sink.modes["gone"] = SendStatus::Unreachable;
  publishBlock(1);
  em.flush();
  publishBlock(2);
  em.flush();
  EXPECT_EQ(em.takeUnreachable(), std::vector<std::string>{"gone"});
  EXPECT_TRUE(em.takeUnreachable().empty());
  em.detach("gone");
  EXPECT_EQ(stats("gone").lost(), 2u);
  expectInvariants();
}

}  // namespace
}  // namespace plexus::host
