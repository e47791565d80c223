// OperatorPublish on a real loop and EventManager with a recording sink: refused types, a count
// larger than a chunk (pumped through the loop), the totals per outcome, a block-policy
// subscriber that makes room, and one that does not (the publish stops: the answer names it, or
// Error{TIMEOUT} for a client before 1.1); progress to a client that follows, which stops the
// publish once that client is gone; a large count refused for a client that does not follow.

#include "control/operator_publish.h"

#include <gtest/gtest.h>

#include <functional>
#include <optional>

#include "delivery/event_factory.h"
#include "fakes/fake_replier.h"
#include "fakes/recording_sink.h"
#include "operator_publish_fixture.h"
#include "plexus/ipc/protocol.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

class OperatorPublishTest : public ::testing::Test {
 protected:
  OperatorPublishTest() { hookPublishing(loop, events, replier); }

  static EventManager::Options options() {
    EventManager::Options o;
    o.blockTimeout = 50ms;
    o.nodeName = "node-a";
    return o;
  }

  void attach(const std::string& id, std::uint32_t capacity, DeliveryPolicy policy) {
    ModuleAttachment module;
    module.moduleId = id;
    module.capacity = capacity;
    module.policy = policy;
    events.attach(module);
    (void)events.subscribe(id, std::vector{v1::EVENT_TYPE_NEW_BLOCK});
  }

  static v1::ControlRequest publishRequest(std::uint32_t count, v1::EventType type) {
    return operatorPublishRequest(count, type);
  }

  // Hands `request` to the handler from the loop, as the control socket's callback does, and
  // runs the loop until the answer was sent.
  const v1::ControlResponse& answer(const v1::ControlRequest& request) {
    loop.post([this, request] { publish.handle("op", request); });
    return answer();
  }
  // Runs the loop until the answer was sent (or 10 s passed).
  const v1::ControlResponse& answer() { return runUntilAnswered(loop, replier); }

  fakes::RecordingSink sink;
  EventManager events{sink, options()};
  EventLoop loop;
  fakes::FakeReplier replier;
  OperatorPublish publish{replier, loop, events};
};

TEST_F(OperatorPublishTest, AHostOnlyTypeIsRefusedAtOnce) {
  publish.handle("op", publishRequest(1, v1::EVENT_TYPE_NODE_SHUTDOWN));
  ASSERT_EQ(replier.sent.size(), 1u);
  ASSERT_TRUE(replier.last().has_error());
  EXPECT_EQ(replier.last().error().code(), v1::ERROR_CODE_PERMISSION_DENIED);
  EXPECT_EQ(replier.last().correlation_id(), 77u);
  EXPECT_TRUE(sink.delivered.empty());
}

TEST_F(OperatorPublishTest, ACountBeyondAChunkIsPumpedThroughTheLoopAndTotalled) {
  attach("sub", 2, DeliveryPolicy::Drop);  // never acks: 2 accepted, the rest dropped
  const std::uint32_t count = OperatorPublish::kChunk * 2 + 3;
  const std::uint64_t before = events.eventsPublished();
  publish.handle("op", publishRequest(count, v1::EVENT_TYPE_NEW_BLOCK));
  EXPECT_TRUE(replier.sent.empty()) << "answered only after the last chunk";
  EXPECT_EQ(events.eventsPublished() - before, OperatorPublish::kChunk)
      << "one chunk per loop iteration";
  const auto& response = answer();
  ASSERT_TRUE(response.has_publish()) << response.DebugString();
  EXPECT_EQ(response.correlation_id(), 77u);
  EXPECT_EQ(response.publish().published(), count);
  EXPECT_EQ(response.publish().routed(), count);
  EXPECT_EQ(response.publish().dropped(), count - 2);
  const auto delivered = sink.events("sub");
  ASSERT_EQ(delivered.size(), 2u);
  EXPECT_EQ(delivered[0].source(), ipc::kOperatorSource);
  EXPECT_EQ(delivered[0].new_block().height(), 9u);
}

TEST_F(OperatorPublishTest, TheOperatorsEventsCarryNoOriginAndMayNotSetOne) {
  attach("sub", 4, DeliveryPolicy::Drop);
  ASSERT_TRUE(answer(publishRequest(1, v1::EVENT_TYPE_NEW_BLOCK)).has_publish());
  const auto delivered = sink.events("sub");
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_FALSE(delivered[0].has_origin());
  EXPECT_EQ(delivered[0].source(), ipc::kOperatorSource);

  v1::ControlRequest forged = publishRequest(1, v1::EVENT_TYPE_NEW_BLOCK);
  forged.mutable_publish()->mutable_event()->mutable_origin()->set_node("node-b");
  publish.handle("op", forged);
  ASSERT_EQ(replier.sent.size(), 2u);
  ASSERT_TRUE(replier.last().has_error());
  EXPECT_EQ(replier.last().error().code(), v1::ERROR_CODE_PERMISSION_DENIED);
  EXPECT_EQ(sink.events("sub").size(), 1u);
}

TEST_F(OperatorPublishTest, ACountOfZeroIsOneEvent) {
  EXPECT_EQ(answer(publishRequest(0, v1::EVENT_TYPE_NEW_BLOCK)).publish().published(), 1u);
}

TEST_F(OperatorPublishTest, ABlockSubscriberThatMakesRoomIsWaitedFor) {
  attach("slow", 1, DeliveryPolicy::Block);
  // The subscriber acks whatever it got, once per loop iteration.
  loop.addAfterHook([&] {
    for (const auto& d : sink.delivered["slow"]) {
      if (d.lane == v1::LANE_EVENT) (void)events.ack("slow", d.seq);
    }
  });
  const auto& response = answer(publishRequest(3, v1::EVENT_TYPE_NEW_BLOCK));
  ASSERT_TRUE(response.has_publish()) << response.DebugString();
  EXPECT_EQ(response.publish().published(), 3u);
  EXPECT_EQ(response.publish().routed(), 3u);
  EXPECT_EQ(response.publish().dropped(), 0u);
}

TEST_F(OperatorPublishTest, ABlockSubscriberThatDoesNotMakeRoomEndsThePublishWithATimeout) {
  attach("stuck", 1, DeliveryPolicy::Block);  // takes one event and never acks
  const std::uint64_t before = events.eventsPublished();
  const auto& response = answer(publishRequest(10, v1::EVENT_TYPE_NEW_BLOCK));  // minor 0
  ASSERT_TRUE(response.has_error()) << response.DebugString();
  EXPECT_EQ(response.error().code(), v1::ERROR_CODE_TIMEOUT);
  EXPECT_EQ(response.error().correlation_id(), 77u);
  EXPECT_EQ(response.error().message(),
            "event 2 was not taken by every block-policy subscriber: stuck (timed out)");
  EXPECT_EQ(events.eventsPublished() - before, 2u) << "stopped at the first event not taken";
}

// Issue 10, item 1: a client that knows the answer's `missed` gets the totals per outcome and
// who did not take the event; a drop-policy subscriber's full channel is no failure.
TEST_F(OperatorPublishTest, TheAnswerCountsEachOutcomeAndNamesWhoDidNotTakeTheEvent) {
  attach("stuck", 1, DeliveryPolicy::Block);
  attach("lossy", 1, DeliveryPolicy::Drop);
  attach("leaving", 5, DeliveryPolicy::Block);
  events.beginStopping("leaving");
  auto request = publishRequest(10, v1::EVENT_TYPE_NEW_BLOCK);
  request.set_protocol_minor(ipc::kProtocolMinor);
  const auto& response = answer(request);
  ASSERT_TRUE(response.has_publish()) << response.DebugString();
  const auto& totals = response.publish();
  EXPECT_EQ(totals.requested(), 10u);
  EXPECT_EQ(totals.published(), 1u) << "stopped at the first event a block subscriber missed";
  EXPECT_EQ(totals.routed(), 3u);
  EXPECT_EQ(totals.accepted(), 2u);
  EXPECT_EQ(totals.failed(), 1u);
  EXPECT_EQ(totals.modules(), 2u);
  ASSERT_EQ(totals.missed_size(), 1);
  EXPECT_EQ(totals.missed(0).module_id(), "leaving");
  EXPECT_EQ(totals.missed(0).reason(), v1::MISS_REASON_STOPPING);
}

// Issue 10, item 6: a client that does not follow the publish may not start a long one.
TEST_F(OperatorPublishTest, ALargeCountIsRefusedForAClientThatDoesNotFollowProgress) {
  const std::uint64_t before = events.eventsPublished();
  publish.handle("op",
                 publishRequest(OperatorPublish::kMaxUnfollowed + 1, v1::EVENT_TYPE_NEW_BLOCK));
  ASSERT_EQ(replier.sent.size(), 1u);
  ASSERT_TRUE(replier.last().has_error());
  EXPECT_EQ(replier.last().error().code(), v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(events.eventsPublished(), before);
}

// Issue 10, item 6: a client that follows gets the totals so far at its interval; once it is
// gone, the node stops publishing instead of carrying on with the rest of the count.
TEST_F(OperatorPublishTest, ProgressGoesToTheClientAndAGoneClientStopsThePublish) {
  attach("slow", 1, DeliveryPolicy::Block);  // room for one event per loop iteration
  loop.addAfterHook([&] {
    for (const auto& d : sink.delivered["slow"]) {
      if (d.lane == v1::LANE_EVENT) (void)events.ack("slow", d.seq);
    }
  });
  auto request = publishRequest(1000000, v1::EVENT_TYPE_NEW_BLOCK);
  request.set_protocol_minor(ipc::kProtocolMinor);
  request.mutable_publish()->set_progress_interval_ms(10);
  replier.onSend = [this] { replier.gone.insert("op"); };  // it goes after the first progress
  // The loop runs until the publish was stopped and then 20 more ticks passed (or 10 s).
  std::optional<std::uint64_t> stoppedAt;
  int ticksAfter = 0;
  const auto deadline = loop.now() + 10s;
  std::function<void()> check = [&] {
    if (!stoppedAt && replier.refused["op"] > 0) stoppedAt = events.eventsPublished();
    if ((stoppedAt && ++ticksAfter > 20) || loop.now() > deadline) {
      loop.stop();
      return;
    }
    loop.runAfter(1ms, check);
  };
  loop.runAfter(1ms, check);
  loop.post([&] { publish.handle("op", request); });
  loop.run();

  ASSERT_EQ(replier.sent.size(), 1u) << "one progress, no answer to a client that is gone";
  const auto& progress = replier.last();
  ASSERT_TRUE(progress.has_publish_progress()) << progress.DebugString();
  EXPECT_EQ(progress.correlation_id(), 77u);
  EXPECT_EQ(progress.publish_progress().requested(), 1000000u);
  EXPECT_LT(progress.publish_progress().published(), 1000000u);
  ASSERT_EQ(replier.refused["op"], 1) << "the next progress found the client gone";
  ASSERT_TRUE(stoppedAt.has_value());
  EXPECT_EQ(events.eventsPublished(), *stoppedAt) << "the publish went on without its client";
  EXPECT_LT(*stoppedAt, 1000000u);
}

}  // namespace
}  // namespace plexus::host
