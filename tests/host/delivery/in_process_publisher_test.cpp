// InProcessPublisher with a real EventManager and a recording sink. The test thread is the
// loop (it drains, acks, expires and flushes, sleeping on the queue's fd as the node does);
// publishers run on threads of their own: pipelined and waiting publishes, refusals, a block
// subscriber that makes the publisher wait until an ack or the block timeout, close(), and the
// bound on publishes waiting for block subscribers.

#include "delivery/in_process_publisher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <thread>
#include <vector>

#include "in_process_publisher_test_support.h"

namespace plexus::host {
namespace {

TEST_F(InProcessPublisherTest, PublishAsyncFromAnotherThreadIsRoutedOnTheLoop) {
  load("m", 10);
  std::vector<PublishReport> reports;  // the loop's: completions run there
  std::vector<std::thread::id> doneOn;
  onOtherThread([&] {
    for (int height = 1; height <= 3; ++height) {
      EXPECT_TRUE(publisher
                      .publishAsync(newBlock(height),
                                    [&](const PublishReport& report) {
                                      reports.push_back(report);
                                      doneOn.push_back(std::this_thread::get_id());
                                    })
                      .ok());
    }
  });
  EXPECT_TRUE(reports.empty()) << "queued, not routed, until the loop drains";
  ASSERT_TRUE(loopUntil([&] { return reports.size() == 3; }));
  for (std::size_t i = 0; i < reports.size(); ++i) {
    EXPECT_EQ(reports[i].subscribers, 1u);
    EXPECT_EQ(reports[i].dropped, 0u);
    EXPECT_EQ(doneOn[i], std::this_thread::get_id()) << "completions run on the loop thread";
  }
  auto delivered = sink.lane("m", v1::LANE_EVENT);
  ASSERT_EQ(delivered.size(), 3u);
  for (std::size_t i = 0; i < delivered.size(); ++i) {
    v1::Event event;
    ASSERT_TRUE(event.ParseFromString(delivered[i].body));
    EXPECT_EQ(event.new_block().height(), i + 1) << "in publish order";
    EXPECT_EQ(event.source(), "host") << "stamped by the publisher";
    EXPECT_GT(event.published_at_unix_ns(), 0);
  }
}

TEST_F(InProcessPublisherTest, LifecycleTypesAndMismatchedPayloadsAreRefused) {
  load("m", 10);
  bool called = false;
  onOtherThread([&] {
    v1::Event lifecycle;
    lifecycle.set_type(v1::EVENT_TYPE_MODULE_LOADED);
    lifecycle.mutable_module_loaded()->set_module_id("fake");
    auto refused = publisher.publishAsync(lifecycle, [&](const PublishReport&) { called = true; });
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, v1::ERROR_CODE_PERMISSION_DENIED);
    auto waited = publisher.publish(lifecycle);
    ASSERT_FALSE(waited.ok());
    EXPECT_EQ(waited.error().code, v1::ERROR_CODE_PERMISSION_DENIED);

    v1::Event mismatched = newBlock(1);
    mismatched.mutable_message_received()->set_payload("not a block");
    auto invalid = publisher.publishAsync(mismatched, [&](const PublishReport&) { called = true; });
    ASSERT_FALSE(invalid.ok());
    EXPECT_EQ(invalid.error().code, v1::ERROR_CODE_INVALID_ARGUMENT);
  });
  const auto published = events.eventsPublished();
  EXPECT_FALSE(publisher.prepareToSleep()) << "nothing was queued";
  publisher.awake();
  publisher.drain();
  EXPECT_FALSE(called);
  EXPECT_EQ(events.eventsPublished(), published);
}

TEST_F(InProcessPublisherTest, ABlockSubscriberMakesPublishWaitUntilAnAck) {
  load("lossless", 1, DeliveryPolicy::Block);
  auto& first = startPublish(newBlock(1));
  ASSERT_TRUE(loopUntil([&] { return ready(first); }));
  auto accepted = first.get();
  ASSERT_TRUE(accepted.ok()) << accepted.error().message;
  EXPECT_EQ(accepted->subscribers, 1u);

  auto& second = startPublish(newBlock(2));
  ASSERT_TRUE(loopUntil([&] { return blocked("lossless") == 1; }));
  loopOnce(0ms);
  EXPECT_FALSE(ready(second)) << "waits for room in the block subscriber's channel";
  ASSERT_TRUE(events.ack("lossless", 1).ok());  // room: the waiting event moves in
  ASSERT_TRUE(loopUntil([&] { return ready(second); }));
  auto admitted = second.get();
  ASSERT_TRUE(admitted.ok()) << admitted.error().message;
  EXPECT_EQ(admitted->subscribers, 1u);
  EXPECT_EQ(admitted->timedOut, 0u);
  EXPECT_EQ(events.stats("lossless")->successful(), 2u);
}

TEST_F(InProcessPublisherTest, TheBlockTimeoutAnswersTimeout) {
  load("lossless", 1, DeliveryPolicy::Block);
  int resolved = 0;
  onOtherThread([&] {
    EXPECT_TRUE(
        publisher.publishAsync(newBlock(1), [&](const PublishReport&) { ++resolved; }).ok());
  });
  ASSERT_TRUE(loopUntil([&] { return resolved == 1; }));
  auto& late = startPublish(newBlock(2));
  ASSERT_TRUE(loopUntil([&] { return blocked("lossless") == 1; }));
  now += kBlockTimeout - 1ms;
  loopOnce(0ms);
  EXPECT_FALSE(ready(late));
  now += 1ms;
  ASSERT_TRUE(loopUntil([&] { return ready(late); }));
  auto result = late.get();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, v1::ERROR_CODE_TIMEOUT);
  EXPECT_NE(result.error().message.find("(block timeout 250 ms)"), std::string::npos)
      << result.error().message;
  ASSERT_NE(result.error().publish, nullptr) << "the error carries the answer";
  EXPECT_EQ(result.error().publish->timed_out(), 1u);
  ASSERT_EQ(result.error().publish->missed_size(), 1);
  EXPECT_EQ(result.error().publish->missed(0).module_id(), "lossless");
  EXPECT_EQ(result.error().publish->missed(0).reason(), v1::MISS_REASON_TIMED_OUT);
  EXPECT_EQ(events.stats("lossless")->channel_full(), 1u);
}

// Issue 10, item 1: a block subscriber that is stopping while the publish waits for it (or
// when it is published) did not take the event: the publisher is told, with who and why.
TEST_F(InProcessPublisherTest, ABlockSubscriberThatStopsFailsThePublish) {
  load("lossless", 1, DeliveryPolicy::Block);
  load("other", 10);
  ASSERT_TRUE(startPublish(newBlock(1)).valid());
  ASSERT_TRUE(loopUntil([&] { return events.stats("lossless")->successful() == 1; }));
  auto& waiting = startPublish(newBlock(2));
  ASSERT_TRUE(loopUntil([&] { return blocked("lossless") == 1; }));
  events.beginStopping("lossless");
  ASSERT_TRUE(loopUntil([&] { return ready(waiting); }));
  auto result = waiting.get();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, v1::ERROR_CODE_UNAVAILABLE);
  EXPECT_EQ(result.error().message,
            "1 block-policy subscriber(s) did not take the event: lossless (stopping)");
  ASSERT_NE(result.error().publish, nullptr);
  EXPECT_EQ(result.error().publish->subscribers(), 2u);
  EXPECT_EQ(result.error().publish->accepted(), 1u);
  EXPECT_EQ(result.error().publish->failed(), 1u);
  ASSERT_EQ(result.error().publish->missed_size(), 1);
  EXPECT_EQ(result.error().publish->missed(0).reason(), v1::MISS_REASON_STOPPING);

  auto& later = startPublish(newBlock(3));  // published to the stopping module: fails at once
  ASSERT_TRUE(loopUntil([&] { return ready(later); }));
  auto refused = later.get();
  ASSERT_FALSE(refused.ok());
  ASSERT_NE(refused.error().publish, nullptr);
  EXPECT_EQ(refused.error().publish->missed(0).reason(), v1::MISS_REASON_STOPPING);
  EXPECT_EQ(events.stats("lossless")->failed(), 2u);
}

TEST_F(InProcessPublisherTest, CloseFailsQueuedPublishesAndRefusesLaterOnes) {
  load("m", 10);
  std::vector<PublishReport> reports;
  onOtherThread([&] {
    for (int height = 1; height <= 2; ++height) {
      EXPECT_TRUE(publisher
                      .publishAsync(newBlock(height),
                                    [&](const PublishReport& report) { reports.push_back(report); })
                      .ok());
    }
  });
  publisher.close();
  ASSERT_EQ(reports.size(), 2u);
  for (const auto& report : reports) {
    EXPECT_EQ(report.failed, 1u);
    EXPECT_EQ(report.subscribers, 0u);
  }
  EXPECT_EQ(events.stats("m")->routed(), 0u) << "never routed";
  onOtherThread([&] {
    auto refused = publisher.publishAsync(newBlock(3), {});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, v1::ERROR_CODE_UNAVAILABLE);
    auto waited = publisher.publish(newBlock(4));
    ASSERT_FALSE(waited.ok());
    EXPECT_EQ(waited.error().code, v1::ERROR_CODE_UNAVAILABLE);
  });
}

// With kMaxUnresolved publishes waiting for a full block subscriber, the loop takes no more from
// the queue (and does not ask to be woken for them) until one resolves.
TEST_F(InProcessPublisherTest, AtMostKMaxUnresolvedPublishesWaitForBlockSubscribers) {
  load("lossless", 1, DeliveryPolicy::Block);
  const auto kMax = InProcessPublisher::kMaxUnresolved;
  int resolved = 0;
  auto publishMany = [&](std::size_t count) {
    onOtherThread([&] {
      for (std::size_t i = 0; i < count; ++i) {
        EXPECT_TRUE(
            publisher.publishAsync(newBlock(i), [&](const PublishReport&) { ++resolved; }).ok());
      }
    });
  };
  const auto published = events.eventsPublished();
  publishMany(1 + kMax);  // one fills the channel, kMax wait
  ASSERT_TRUE(loopUntil([&] { return blocked("lossless") == kMax; }));
  EXPECT_EQ(resolved, 1);
  EXPECT_FALSE(publisher.canTakeMore());

  publishMany(2);
  EXPECT_FALSE(publisher.prepareToSleep()) << "items wait, but the loop is not woken for them";
  publisher.awake();
  publisher.drain();
  EXPECT_EQ(blocked("lossless"), kMax) << "left in the queue";
  EXPECT_EQ(events.eventsPublished(), published + 1 + kMax);

  events.flush();
  ASSERT_TRUE(events.ack("lossless", 1).ok());  // one waiting publish moves in and resolves
  EXPECT_EQ(resolved, 2);
  EXPECT_TRUE(publisher.canTakeMore());
  EXPECT_TRUE(publisher.prepareToSleep()) << "items wait and may be taken now";
  publisher.drain();
  EXPECT_EQ(blocked("lossless"), kMax + 1) << "both taken, both waiting";
  EXPECT_EQ(events.eventsPublished(), published + 3 + kMax);
  // The waiting publishes resolve (failed) while `resolved`, which their callbacks count in,
  // still exists: not later, in the fixture's destructor.
  events.detach("lossless");
  loaded.clear();
  EXPECT_EQ(resolved, static_cast<int>(kMax) + 3);
}

using InProcessPublisherDeathTest = InProcessPublisherTest;

TEST_F(InProcessPublisherDeathTest, ThreadRulesAreCheckedInCheckedBuilds) {
#if defined(PLEXUS_THREAD_CHECKS) && PLEXUS_THREAD_CHECKS
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  load("m", 10);
  publisher.drain();  // this thread is the loop
  EXPECT_DEATH((void)publisher.publish(newBlock(1)), "used on the loop thread");
  EXPECT_DEATH(onOtherThread([this] { publisher.drain(); }), "thread rule broken");
#else
  GTEST_SKIP() << "thread checks are compiled out in this build";
#endif
}

}  // namespace
}  // namespace plexus::host
