// EventManager block policy: publishers that can wait do so until an ack makes room, time out
// as channel_full at the block timeout, are released when the module stops or dies, and may
// publish again from their callback; the host's own events never wait.

#include "event_manager_fixture.h"

namespace plexus::host {
namespace {

TEST_F(EventManagerTest, BlockPolicyPublisherWaitsUntilAckMakesRoom) {
  load("lossless", 2, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  load("dropper", 1);
  RecordingWaiter waiter;
  EXPECT_TRUE(publishBlock(1, &waiter, 1).has_value());
  EXPECT_TRUE(publishBlock(2, &waiter, 2).has_value());
  // Third: lossless is full -> the publish waits; dropper drops at once (never slowed).
  EXPECT_FALSE(publishBlock(3, &waiter, 3).has_value());
  EXPECT_EQ(stats("lossless").blocked(), 1u);
  EXPECT_EQ(stats("dropper").channel_full(), 2u);
  expectInvariants();
  em.flush();
  EXPECT_TRUE(waiter.done.empty());

  ASSERT_TRUE(em.ack("lossless", 1).ok());  // one slot frees: the waiting event moves in
  ASSERT_EQ(waiter.done.count(3), 1u);
  EXPECT_EQ(waiter.done[3].timedOut, 0u);
  EXPECT_EQ(waiter.done[3].subscribers, 2u);
  EXPECT_EQ(waiter.done[3].dropped, 1u);
  em.flush();
  auto s = stats("lossless");
  EXPECT_EQ(s.successful(), 3u);
  EXPECT_EQ(s.channel_full(), 0u);
  EXPECT_EQ(s.blocked(), 0u);
  EXPECT_EQ(s.max_held(), 2u);
  auto events = sink.lane("lossless", v1::LANE_EVENT);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].seq, 3u);
  EXPECT_EQ(events[2].droppedBefore, 0u);
  expectInvariants();
}

TEST_F(EventManagerTest, BlockPolicyWaitTimesOutAsChannelFullWithAGap) {
  load("lossless", 1, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  RecordingWaiter waiter;
  publishBlock(1, &waiter, 1);
  EXPECT_FALSE(publishBlock(2, &waiter, 2).has_value());
  EXPECT_FALSE(publishBlock(3, &waiter, 3).has_value());
  ASSERT_TRUE(em.nextDeadline().has_value());
  EXPECT_EQ(*em.nextDeadline(), now + std::chrono::milliseconds(1000));

  now += std::chrono::milliseconds(999);
  em.expire();
  EXPECT_TRUE(waiter.done.empty());
  now += std::chrono::milliseconds(1);
  em.expire();
  ASSERT_EQ(waiter.done.size(), 2u);
  EXPECT_EQ(waiter.done[2].timedOut, 1u);
  EXPECT_EQ(waiter.done[3].timedOut, 1u);
  auto s = stats("lossless");
  EXPECT_EQ(s.channel_full(), 2u);
  EXPECT_EQ(s.blocked(), 0u);
  expectInvariants();

  em.flush();
  ASSERT_TRUE(em.ack("lossless", 1).ok());
  publishBlock(4, &waiter, 4);
  em.flush();
  auto events = sink.lane("lossless", v1::LANE_EVENT);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].seq, 4u);
  EXPECT_EQ(events[1].droppedBefore, 2u);
}

// The node was paused just before a block publish's deadline: the subscriber's ack may wait in
// the socket, so no deadline expires during the grace; one that passed is judged at its end.
TEST_F(EventManagerTest, BlockDeadlinesWaitOutTheGraceAfterAPauseOfTheNode) {
  load("lossless", 1, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  RecordingWaiter waiter;
  publishBlock(1, &waiter, 1);
  EXPECT_FALSE(publishBlock(2, &waiter, 2).has_value());
  EXPECT_FALSE(publishBlock(3, &waiter, 3).has_value());
  now += std::chrono::milliseconds(990);
  graceUntil = now + std::chrono::milliseconds(300);
  now += std::chrono::milliseconds(100);
  em.expire();
  EXPECT_TRUE(waiter.done.empty()) << "timed out during the grace";
  EXPECT_EQ(*em.nextDeadline(), graceUntil);
  em.flush();
  ASSERT_TRUE(em.ack("lossless", 1).ok());  // read after the resume: room for event 2
  ASSERT_EQ(waiter.done.size(), 1u);
  EXPECT_EQ(waiter.done[2].timedOut, 0u);
  now = graceUntil;
  em.expire();
  ASSERT_EQ(waiter.done.size(), 2u);
  EXPECT_EQ(waiter.done[3].timedOut, 1u);
  expectInvariants();
}

TEST_F(EventManagerTest, HostEventsNeverWaitForBlockModules) {
  load("lossless", 1, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  EXPECT_TRUE(publishBlock(1).has_value());
  auto report = publishBlock(2);  // no waiter: the loop's own event
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->dropped, 1u);
  EXPECT_EQ(stats("lossless").channel_full(), 1u);
  EXPECT_EQ(stats("lossless").blocked(), 0u);
  expectInvariants();
}

TEST_F(EventManagerTest, BlockedPublishersAreReleasedWhenTheModuleDies) {
  load("lossless", 1, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  RecordingWaiter waiter;
  publishBlock(1, &waiter, 1);
  EXPECT_FALSE(publishBlock(2, &waiter, 2).has_value());
  em.detach("lossless");
  ASSERT_EQ(waiter.done.count(2), 1u);
  EXPECT_EQ(waiter.done[2].failed, 1u);
  EXPECT_EQ(waiter.done[2].timedOut, 0u);
  auto s = stats("lossless");
  EXPECT_EQ(s.failed(), 1u);
  EXPECT_EQ(s.lost(), 1u);
  expectInvariants();
}

TEST_F(EventManagerTest, WaiterMayPublishAgainFromItsCallback) {
  load("lossless", 1, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  struct Chained : PublishWaiter {
    EventManagerTest* test = nullptr;
    int remaining = 3;
    int done = 0;
    void onPublishDone(std::uint64_t, const PublishReport&) override {
      ++done;
      if (remaining-- > 0) test->publishBlock(100 + remaining, this, 0);
    }
  } chained;
  chained.test = this;
  publishBlock(1);
  EXPECT_FALSE(publishBlock(2, &chained).has_value());
  for (std::uint64_t seq = 1; seq <= 5; ++seq) {
    em.flush();
    ASSERT_TRUE(em.ack("lossless", seq).ok());
    expectInvariants();
  }
  EXPECT_EQ(chained.done, 4);
  EXPECT_EQ(stats("lossless").successful(), 5u);
}

TEST_F(EventManagerTest, BlockedPublishersAreReleasedWhenTheModuleStops) {
  load("lossless", 1, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  RecordingWaiter waiter;
  publishBlock(1, &waiter, 1);
  em.flush();
  EXPECT_FALSE(publishBlock(2, &waiter, 2).has_value());
  em.beginStopping("lossless");
  ASSERT_EQ(waiter.done.count(2), 1u);
  EXPECT_EQ(waiter.done[2].failed, 1u);
  EXPECT_FALSE(em.nextDeadline().has_value()) << "nothing waits any more";
  auto s = stats("lossless");
  EXPECT_EQ(s.failed(), 1u);
  EXPECT_EQ(s.blocked(), 0u);
  EXPECT_TRUE(em.ack("lossless", 1).ok());
  expectInvariants();
}

// One publish waits for two block modules: it resolves once, when the last of them settles.
TEST_F(EventManagerTest, APublishWaitingForSeveralModulesResolvesOnceWhenTheLastSettles) {
  load("a", 1, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  load("b", 1, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  RecordingWaiter waiter;
  publishBlock(1, &waiter, 1);
  em.flush();
  EXPECT_FALSE(publishBlock(2, &waiter, 2).has_value());
  ASSERT_TRUE(em.ack("a", 1).ok());  // a takes it; b still full
  EXPECT_TRUE(waiter.done.empty());
  now += std::chrono::milliseconds(1000);
  em.expire();
  ASSERT_EQ(waiter.done.count(2), 1u);
  EXPECT_EQ(waiter.done[2].subscribers, 2u);
  EXPECT_EQ(waiter.done[2].timedOut, 1u) << "only b timed out";
  EXPECT_EQ(stats("a").successful(), 2u);
  EXPECT_EQ(stats("b").channel_full(), 1u);
  EXPECT_FALSE(em.nextDeadline().has_value());
  expectInvariants();
}

TEST_F(EventManagerTest, APublishResolvedBeforeItsDeadlineLeavesNoDeadline) {
  load("lossless", 1, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  RecordingWaiter waiter;
  publishBlock(1, &waiter, 1);
  em.flush();
  EXPECT_FALSE(publishBlock(2, &waiter, 2).has_value());
  ASSERT_TRUE(em.nextDeadline().has_value());
  ASSERT_TRUE(em.ack("lossless", 1).ok());
  ASSERT_EQ(waiter.done.count(2), 1u);
  em.flush();
  EXPECT_FALSE(em.nextDeadline().has_value());
  now += std::chrono::seconds(5);
  em.expire();
  EXPECT_EQ(waiter.done.size(), 1u) << "resolved once, not again at the old deadline";
  EXPECT_EQ(stats("lossless").channel_full(), 0u);
}

// Issue 10, item 1: every block subscriber that does not take an event is named with why, and
// a block module between incarnations is not skipped silently: while its next incarnation is on
// its way, its events fail for it ("restarting") until that incarnation subscribes.
TEST_F(EventManagerTest, ABlockModuleBetweenIncarnationsFailsItsEventsAsRestarting) {
  load("lossless", 4, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  load("lossy", 4);
  em.detach("lossless");
  auto skipped = publishBlock(1);
  ASSERT_TRUE(skipped.has_value());
  EXPECT_TRUE(skipped->delivered()) << "not returning: gone, not waited for";
  EXPECT_EQ(skipped->subscribers, 1u);

  returning.insert("lossless");
  auto report = publishBlock(2);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->subscribers, 2u);
  EXPECT_EQ(report->accepted, 1u);
  EXPECT_EQ(report->failed, 1u);
  ASSERT_EQ(report->missed.size(), 1u);
  EXPECT_EQ(report->missed[0].moduleId, "lossless");
  EXPECT_EQ(report->missed[0].reason, MissReason::Restarting);
  EXPECT_EQ(stats("lossless").failed(), 1u);

  attach("lossless", 4, DeliveryPolicy::Block, 2);  // handshaking: not subscribed yet
  EXPECT_FALSE(publishBlock(3)->delivered());
  ASSERT_TRUE(em.subscribe("lossless", std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
  auto back = publishBlock(4);
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->delivered());
  EXPECT_EQ(back->accepted, 2u);
  EXPECT_EQ(stats("lossless").failed(), 2u);
  expectInvariants();
}

TEST_F(EventManagerTest, AStoppingOrFullBlockSubscriberIsNamedInTheReport) {
  load("leaving", 4, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  load("full", 1, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  load("lossy", 1);
  ASSERT_TRUE(publishBlock(1)->delivered());
  em.beginStopping("leaving");
  auto report = publishBlock(2);  // no waiter: the full block module cannot be waited for
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->subscribers, 3u);
  EXPECT_EQ(report->accepted, 0u);
  EXPECT_EQ(report->dropped, 2u);
  EXPECT_EQ(report->failed, 1u);
  ASSERT_EQ(report->missed.size(), 2u) << "the drop-policy module is not named";
  EXPECT_EQ(report->missed[0].moduleId, "leaving");
  EXPECT_EQ(report->missed[0].reason, MissReason::Stopping);
  EXPECT_EQ(report->missed[1].moduleId, "full");
  EXPECT_EQ(report->missed[1].reason, MissReason::Full);
  expectInvariants();
}

}  // namespace
}  // namespace plexus::host
