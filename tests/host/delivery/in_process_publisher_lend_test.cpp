// InProcessPublisher with a loop that lends itself (a fake LoopLender; the EventLoop's own side
// is tested in tests/host/runtime/event_loop_lend_test.cpp): while the loop sleeps the publisher
// routes on its own thread and completes before publishAsync() returns; what was queued before
// goes first; a closed publisher refuses even then; a burst past its first few events goes
// through the queue; and with publishes waiting for block subscribers the event is queued.

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "delivery/in_process_publisher.h"
#include "in_process_publisher_test_support.h"

namespace plexus::host {
namespace {

TEST_F(InProcessPublisherTest, WhileTheLoopSleepsThePublisherRoutesOnItsOwnThread) {
  load("m", 10);
  lender.asleep = true;
  std::thread::id publishedOn;
  std::thread::id doneOn;
  bool doneBeforeReturn = false;
  onOtherThread([&] {
    publishedOn = std::this_thread::get_id();
    bool done = false;
    ASSERT_TRUE(publisher
                    .publishAsync(newBlock(7),
                                  [&](const PublishReport& report) {
                                    EXPECT_EQ(report.subscribers, 1u);
                                    EXPECT_EQ(report.accepted, 1u);
                                    doneOn = std::this_thread::get_id();
                                    done = true;
                                  })
                    .ok());
    doneBeforeReturn = done;
  });
  EXPECT_TRUE(doneBeforeReturn) << "routed and completed inside publishAsync";
  EXPECT_EQ(doneOn, publishedOn) << "on the publishing thread";
  EXPECT_EQ(lender.lent.load(), 1);
  EXPECT_EQ(sink.heights("m"), (std::vector<std::uint64_t>{7})) << "sent by the after hook";

  // publish() completes the same way, without the loop running an iteration.
  onOtherThread([&] {
    auto report = publisher.publish(newBlock(8));
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->accepted, 1u);
  });
  EXPECT_EQ(sink.heights("m"), (std::vector<std::uint64_t>{7, 8}));
}

TEST_F(InProcessPublisherTest, WhatWasQueuedBeforeIsRoutedFirst) {
  load("m", 10);
  onOtherThread([&] {
    EXPECT_TRUE(publisher.publishAsync(newBlock(1), {}).ok());  // the loop is busy: queued
    lender.asleep = true;
    EXPECT_TRUE(publisher.publishAsync(newBlock(2), {}).ok());
  });
  EXPECT_EQ(lender.lent.load(), 1);
  EXPECT_EQ(sink.heights("m"), (std::vector<std::uint64_t>{1, 2})) << "in publish order";
}

TEST_F(InProcessPublisherTest, AClosedPublisherRefusesEvenWhileTheLoopSleeps) {
  load("m", 10);
  publisher.close();
  lender.asleep = true;
  onOtherThread([&] {
    auto status = publisher.publishAsync(newBlock(1), {});
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, v1::ERROR_CODE_UNAVAILABLE);
  });
  EXPECT_TRUE(sink.lane("m", v1::LANE_EVENT).empty());
}

TEST_F(InProcessPublisherTest, WithPublishesWaitingForBlockSubscribersTheEventIsQueued) {
  load("slow", 1, DeliveryPolicy::Block);
  const auto kMax = InProcessPublisher::kMaxUnresolved;
  onOtherThread([&] {
    for (std::size_t i = 0; i <= kMax; ++i)  // one fills the channel, kMax wait
      EXPECT_TRUE(publisher.publishAsync(newBlock(i), {}).ok());
  });
  ASSERT_TRUE(loopUntil([&] { return blocked("slow") == kMax; }));
  const auto published = events.eventsPublished();
  lender.asleep = true;
  onOtherThread([&] { EXPECT_TRUE(publisher.publishAsync(newBlock(9999), {}).ok()); });
  EXPECT_EQ(lender.lent.load(), 1) << "the loop was lent";
  EXPECT_EQ(events.eventsPublished(), published) << "but the event was queued, not routed";
  lender.asleep = false;
  ASSERT_TRUE(events.ack("slow", 1).ok());  // one waiting publish resolves: room to take more
  ASSERT_TRUE(loopUntil([&] { return events.eventsPublished() == published + 1; }));
}

class InProcessPublisherBurstTest : public InProcessPublisherTest {
 public:
  // Every publish after the first is part of the burst; its first 3 events are routed.
  InProcessPublisherBurstTest()
      : InProcessPublisherTest({.gap = std::chrono::hours(1), .routed = 3}) {}
};

TEST_F(InProcessPublisherBurstTest, ABurstPastItsFirstEventsGoesThroughTheQueue) {
  load("m", 100);
  lender.asleep = true;
  onOtherThread([&] {
    for (int height = 1; height <= 6; ++height)
      EXPECT_TRUE(publisher.publishAsync(newBlock(height), {}).ok());
  });
  EXPECT_EQ(lender.lent.load(), 3) << "the first 3: the burst's start keeps the short path";
  EXPECT_EQ(sink.heights("m"), (std::vector<std::uint64_t>{1, 2, 3}));
  ASSERT_TRUE(loopUntil([&] { return sink.heights("m").size() == 6; }));
  EXPECT_EQ(sink.heights("m"), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6}));
}

}  // namespace
}  // namespace plexus::host
