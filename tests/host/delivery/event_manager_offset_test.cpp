// EventManager and journal offsets (wire 1.4): PublishOptions::offset reaches every subscriber
// that accepts the event, on the lane it takes, also when a block wait admits it later; events
// the journal never sees (lifecycle, sticky replays) and a module below 1.4 get none.

#include "event_manager_fixture.h"

namespace plexus::host {
namespace {

std::optional<PublishReport> publishAt(EventManager& em, const v1::Event& event,
                                       std::uint64_t offset, PublishWaiter* waiter = nullptr,
                                       std::uint64_t token = 0) {
  const v1::EventType type = event.type();
  return em.publish(type, serializeEvent(event),
                    PublishOptions{.waiter = waiter, .token = token, .offset = offset});
}

TEST_F(EventManagerTest, ThePublishOffsetReachesEveryAcceptingSubscriber) {
  load("a", 4);
  load("b", 4);
  load("full", 1);
  publishBlock(1);  // fills "full"
  auto report = publishAt(em, blockEvent(2), 42);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->accepted, 2u);
  EXPECT_EQ(report->dropped, 1u);
  publishBlock(3);  // not journaled
  em.flush();
  for (const std::string id : {"a", "b"}) {
    SCOPED_TRACE(id);
    const auto events = sink.lane(id, v1::LANE_EVENT);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].offset, 0u);
    EXPECT_EQ(events[1].offset, 42u);
    EXPECT_EQ(events[2].offset, 0u);
  }
  ASSERT_EQ(sink.lane("full", v1::LANE_EVENT).size(), 1u);
  EXPECT_EQ(sink.lane("full", v1::LANE_EVENT)[0].offset, 0u);
  expectInvariants();
}

TEST_F(EventManagerTest, ACriticalEventCarriesItsOffsetOnTheCriticalLane) {
  attach("m", 4, DeliveryPolicy::Drop, 1, 2);
  ASSERT_TRUE(em.subscribe("m", std::vector{v1::EVENT_TYPE_CHAIN_REORG}).ok());
  em.flush();
  v1::Event reorg = hostEvent(v1::EVENT_TYPE_CHAIN_REORG);
  reorg.mutable_chain_reorg()->set_fork_height(3);
  publishAt(em, reorg, 7);
  em.flush();
  const auto critical = sink.lane("m", v1::LANE_CRITICAL);
  ASSERT_EQ(critical.size(), 1u);
  EXPECT_EQ(critical[0].offset, 7u);
}

// A block module's full channel: the event waits without a slot, and is admitted by the ack
// with the offset it was published with.
TEST_F(EventManagerTest, ABlockedEventAdmittedLaterKeepsItsOffset) {
  load("lossless", 1, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  load("dropper", 1);
  RecordingWaiter waiter;
  ASSERT_TRUE(publishAt(em, blockEvent(1), 41, &waiter, 1).has_value());
  EXPECT_FALSE(publishAt(em, blockEvent(2), 42, &waiter, 2).has_value()) << "it waits";
  em.flush();
  ASSERT_TRUE(em.ack("lossless", 1).ok());
  ASSERT_EQ(waiter.done.count(2), 1u);
  em.flush();
  const auto events = sink.lane("lossless", v1::LANE_EVENT);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].offset, 41u);
  EXPECT_EQ(events[1].seq, 2u);
  EXPECT_EQ(events[1].offset, 42u);
  expectInvariants();
}

TEST_F(EventManagerTest, LifecycleEventsAndStickyReplaysCarryNoOffset) {
  load("early", 5, {v1::EVENT_TYPE_DISK_SPACE_LOW, v1::EVENT_TYPE_MODULE_LOADED});
  em.publishSticky(v1::EVENT_TYPE_DISK_SPACE_LOW,
                   serializeEvent(hostEvent(v1::EVENT_TYPE_DISK_SPACE_LOW)));
  load("late", 5, {v1::EVENT_TYPE_DISK_SPACE_LOW, v1::EVENT_TYPE_MODULE_LOADED});
  em.flush();
  for (const std::string id : {"early", "late"}) {
    SCOPED_TRACE(id);
    ASSERT_EQ(sink.lane(id, v1::LANE_EVENT).size(), 1u);
    EXPECT_EQ(sink.lane(id, v1::LANE_EVENT)[0].offset, 0u);
    ASSERT_FALSE(sink.lane(id, v1::LANE_LIFECYCLE).empty());
    for (const auto& lifecycle : sink.lane(id, v1::LANE_LIFECYCLE))
      EXPECT_EQ(lifecycle.offset, 0u);
  }
}

// A module that negotiated a minor below 1.4 (ModuleAttachment::offsets false) takes the
// event like any other, and is sent it without the offset.
TEST_F(EventManagerTest, AModuleBelowMinor4IsSentNoOffset) {
  load("new", 4);
  ModuleAttachment old;
  old.moduleId = "old";
  old.capacity = 4;
  old.offsets = false;
  em.attach(old);
  ASSERT_TRUE(em.subscribe("old", std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
  publishAt(em, blockEvent(1), 42);
  em.flush();
  ASSERT_EQ(sink.lane("new", v1::LANE_EVENT).size(), 1u);
  EXPECT_EQ(sink.lane("new", v1::LANE_EVENT)[0].offset, 42u);
  ASSERT_EQ(sink.lane("old", v1::LANE_EVENT).size(), 1u);
  EXPECT_EQ(sink.lane("old", v1::LANE_EVENT)[0].offset, 0u);
  expectInvariants();
}

}  // namespace
}  // namespace plexus::host
