// A request made from a handler (the run() thread, which owns the socket while run() runs, serves
// it until the answer comes): it returns as soon as its answer is received, also when the answer
// comes in a receive that brings nothing else, and events that arrive meanwhile wait for their
// handlers in order. Against a FakeNode whose heartbeat interval is a minute: a wait for the next
// thing on the socket after the answer was already read would cost that minute. Also: the
// publish result of a relayed event the node answers as a duplicate.

#include <gtest/gtest.h>
#include <plexus/sdk/module.h>

#include <chrono>
#include <string>
#include <vector>

#include "fake_node.h"
#include "fake_node_thread.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/protocol.h"

namespace plexus::sdk::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kRequests = 40;

// Each answer follows an event by one send: whether the module reads them in one receive or two
// (the answer alone) is up to the scheduler, so over kRequests rounds both happen.
TEST(ModuleRequestTest, AHandlersRequestReturnsAsSoonAsItsAnswerIsReceived) {
  std::string goodbye;
  FakeNodeThread node(ackAt(ipc::kProtocolMinor), [&](FakeNode& fake) {
    ASSERT_TRUE(fake.acceptSubscribe(kWait).has_value());
    fake.sendBatch(v1::LANE_LIFECYCLE, {lifecycle(v1::EVENT_TYPE_MODULE_LOADED, 1)});
    for (int i = 1; i <= kRequests; ++i) {
      auto asked = fake.receive(kWait);
      ASSERT_TRUE(asked.has_value() && asked->request().has_stats()) << "request " << i;
      fake.sendBatch(v1::LANE_EVENT, {newBlock(i, 100 + i)});
      auto answer = response(asked->request().correlation_id());
      answer.mutable_response()->mutable_stats()->set_routed(i);
      fake.send(answer);
    }
    fake.sendBatch(v1::LANE_LIFECYCLE, {lifecycle(v1::EVENT_TYPE_NODE_SHUTDOWN, 2)});
    auto reason = fake.receiveUntilGoodbye(kWait);
    ASSERT_TRUE(reason.has_value()) << "no Goodbye";
    goodbye = *reason;
  });
  Module module = Module::connect(node.options());
  std::vector<std::uint64_t> routed;
  std::vector<std::uint64_t> heights;
  Clock::duration slowest{};
  module.on(v1::EVENT_TYPE_MODULE_LOADED, [&](const Delivery&) {
    for (int i = 1; i <= kRequests; ++i) {
      const auto asked = Clock::now();
      auto stats = module.stats();
      slowest = std::max(slowest, Clock::now() - asked);
      if (!stats.ok()) {  // fail, and end run() rather than wait for a node that gave up
        ADD_FAILURE() << "request " << i << ": " << stats.error().message;
        module.stop();
        return;
      }
      routed.push_back(stats->routed());
    }
  });
  module.on(v1::EVENT_TYPE_NEW_BLOCK,
            [&](const Delivery& d) { heights.push_back(d.event().new_block().height()); });
  module.on(v1::EVENT_TYPE_NODE_SHUTDOWN, [](const Delivery&) {});
  EXPECT_EQ(module.run(), 0);
  node.join();
  // A missed return waits for the next message or heartbeat: a minute here, or the request's own
  // timeout. Anything under 20 s is an answer taken when it came, whatever the machine's load.
  EXPECT_LT(slowest, std::chrono::seconds(20));
  ASSERT_EQ(routed.size(), static_cast<std::size_t>(kRequests));
  std::vector<std::uint64_t> expectedHeights;
  for (int i = 1; i <= kRequests; ++i) {
    EXPECT_EQ(routed[i - 1], static_cast<std::uint64_t>(i));
    expectedHeights.push_back(100 + i);
  }
  EXPECT_EQ(heights, expectedHeights) << "the events that came meanwhile, in order, after";
  EXPECT_EQ(goodbye, "node shutdown");
}

// A relay's publish (origin kept as sent) that the node answers as a duplicate: the publish
// result says so (PublishResponse.duplicate), the first one does not.
TEST(ModuleRequestTest, APublishTheNodeTookAlreadyIsADuplicateInTheResult) {
  FakeNodeThread node(ackAt(ipc::kProtocolMinor), [](FakeNode& fake) {
    for (const bool duplicate : {false, true}) {
      auto asked = fake.receive(kWait);
      ASSERT_TRUE(asked.has_value() && asked->request().has_publish());
      EXPECT_EQ(asked->request().publish().event().origin().node(), "far");
      EXPECT_EQ(asked->request().publish().event().origin().offset(), 7u);
      auto answer = response(asked->request().correlation_id());
      answer.mutable_response()->mutable_publish()->set_subscribers(duplicate ? 0 : 1);
      answer.mutable_response()->mutable_publish()->set_duplicate(duplicate);
      fake.send(answer);
    }
  });
  {
    Module module = Module::connect(node.options());
    v1::Event event;
    event.set_type(v1::EVENT_TYPE_NEW_BLOCK);
    event.mutable_new_block()->set_height(7);
    event.mutable_origin()->set_node("far");
    event.mutable_origin()->set_module("chainsim");
    event.mutable_origin()->set_offset(7);
    auto first = module.publish(event);
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_FALSE(first->duplicate());
    EXPECT_EQ(first->subscribers(), 1u);
    auto again = module.publish(event);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_TRUE(again->duplicate());
    EXPECT_EQ(again->subscribers(), 0u);
  }
  node.join();
}

}  // namespace
}  // namespace plexus::sdk::test
