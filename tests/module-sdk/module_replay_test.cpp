// Replay on request (wire 1.5), SDK side, against a FakeNode (fake_node.h): Module::replay()
// below 1.5 is an error without a send; at 1.5 it carries the node's answer or error; and run()
// dispatches the replay lane after the live lanes, a ReplayEnd after the replay events received
// before it, and returns replay credit on its lane at half of replay_capacity.

#include <gtest/gtest.h>
#include <plexus/sdk/module.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "fake_node.h"
#include "fake_node_thread.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/protocol.h"

namespace plexus::sdk::test {
namespace {

using std::chrono::milliseconds;

TEST(ModuleReplayTest, Below15ReplayIsUnavailableAndNothingIsSent) {
  FakeNodeThread node(ackAt(ipc::kMinorReplay - 1), [](FakeNode& fake) {
    // The first request the module sends must be the stats() after the refused replay().
    auto request = fake.receive(kWait);
    ASSERT_TRUE(request.has_value());
    ASSERT_TRUE(request->has_request()) << request->ShortDebugString();
    EXPECT_TRUE(request->request().has_stats()) << request->ShortDebugString();
    auto answer = response(request->request().correlation_id());
    answer.mutable_response()->mutable_stats()->set_routed(3);
    fake.send(answer);
  });
  Module module = Module::connect(node.options());
  EXPECT_EQ(module.protocolMinor(), ipc::kMinorReplay - 1);
  EXPECT_EQ(module.replayCapacity(), 0u) << "no replay lane below 1.5";
  v1::ReplayRequest request;
  request.set_from_offset(1);
  auto replay = module.replay(request);
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(replay.error().code, v1::ERROR_CODE_UNAVAILABLE);
  EXPECT_EQ(replay.error().message, "the node speaks protocol 1.4; replay needs 1.5");
  auto stats = module.stats();
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->routed(), 3u);
}

TEST(ModuleReplayTest, At15ReplayCarriesTheNodesAnswerOrItsError) {
  FakeNodeThread node(ackAt(ipc::kMinorReplay), [](FakeNode& fake) {
    auto first = fake.receive(kWait);
    ASSERT_TRUE(first.has_value() && first->request().has_replay());
    const auto& asked = first->request().replay();
    EXPECT_EQ(asked.from_offset(), 3u);
    EXPECT_EQ(asked.until_offset(), 9u);
    ASSERT_EQ(asked.types_size(), 1);
    EXPECT_EQ(asked.types(0), v1::EVENT_TYPE_NEW_BLOCK);
    auto answer = response(first->request().correlation_id());
    answer.mutable_response()->mutable_replay()->set_replay_id(1);
    answer.mutable_response()->mutable_replay()->set_through_offset(9);
    fake.send(answer);
    auto second = fake.receive(kWait);
    ASSERT_TRUE(second.has_value() && second->request().has_replay());
    fake.send(ipc::errorEnvelope(v1::ERROR_CODE_ALREADY_EXISTS, "replay 1 is running",
                                 second->request().correlation_id()));
  });
  Module module = Module::connect(node.options());
  EXPECT_EQ(module.replayCapacity(), 4u);
  v1::ReplayRequest request;
  request.set_from_offset(3);
  request.set_until_offset(9);
  request.add_types(v1::EVENT_TYPE_NEW_BLOCK);
  auto started = module.replay(request);
  ASSERT_TRUE(started.ok()) << started.error().message;
  EXPECT_EQ(started->replay_id(), 1u);
  EXPECT_EQ(started->through_offset(), 9u);
  auto again = module.replay(request);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, v1::ERROR_CODE_ALREADY_EXISTS);
  EXPECT_EQ(again.error().message, "replay 1 is running");
}

// Everything below arrives while the first handler waits in stats() (which reads the socket
// until its answer, the last message), so the run() loop takes it all at once and the order in
// which the handlers run is the dispatch order alone.
TEST(ModuleReplayTest, RunDispatchesReplayLastWithTheReplayEndInOrderAndAcksItsLane) {
  std::vector<std::string> acks;
  std::string goodbye;
  FakeNodeThread node(ackAt(ipc::kMinorReplay), [&](FakeNode& fake) {
    ASSERT_TRUE(fake.acceptSubscribe(kWait).has_value());
    fake.sendBatch(v1::LANE_LIFECYCLE, {lifecycle(v1::EVENT_TYPE_MODULE_LOADED, 1)});
    auto stats = fake.receive(kWait);
    ASSERT_TRUE(stats.has_value() && stats->request().has_stats());
    const auto replayed = v1::EVENT_FLAG_REPLAYED;
    fake.sendBatch(v1::LANE_REPLAY, {newBlock(1, 11, replayed), newBlock(2, 12, replayed)});
    fake.sendBatch(v1::LANE_EVENT, {newBlock(1, 20)});
    v1::Envelope end;
    ipc::stampVersion(end);
    end.mutable_replay_end()->set_replay_id(7);
    fake.send(end);
    fake.sendBatch(v1::LANE_REPLAY, {newBlock(3, 13, replayed)});
    fake.sendBatch(v1::LANE_EVENT, {newBlock(2, 21)});
    fake.sendBatch(v1::LANE_CRITICAL, {newBlock(1, 22)});
    fake.sendBatch(v1::LANE_LIFECYCLE, {lifecycle(v1::EVENT_TYPE_NODE_SHUTDOWN, 2)});
    fake.send(response(stats->request().correlation_id()));
    auto reason = fake.receiveUntilGoodbye(kWait, [&](const v1::Envelope& in) {
      if (in.has_ack()) {
        acks.push_back(v1::Lane_Name(in.ack().lane()) + ":" +
                       std::to_string(in.ack().through_seq()));
      }
    });
    ASSERT_TRUE(reason.has_value()) << "no Goodbye";
    goodbye = *reason;
  });
  Module module = Module::connect(node.options());
  std::vector<std::string> handled;
  bool asked = false;
  module.on(v1::EVENT_TYPE_MODULE_LOADED, [&](const Delivery& d) {
    handled.push_back("L" + std::to_string(d.sequence()));
    if (!asked) {
      asked = true;
      EXPECT_TRUE(module.stats().ok());
    }
  });
  module.on(v1::EVENT_TYPE_NODE_SHUTDOWN, [&](const Delivery&) { handled.emplace_back("stop"); });
  module.on(v1::EVENT_TYPE_NEW_BLOCK, [&](const Delivery& d) {
    const char* lane = d.isReplay() ? "R" : d.isCritical() ? "C" : "E";
    handled.push_back(lane + std::to_string(d.sequence()) + "@" + std::to_string(d.offset()));
    EXPECT_EQ(d.isReplay(), d.isReplayed());
  });
  module.onReplayEnd([&](const v1::ReplayEnd& end) {
    handled.push_back("end" + std::to_string(end.replay_id()));
  });
  EXPECT_EQ(module.run(), 0);
  node.join();
  EXPECT_EQ(handled, (std::vector<std::string>{"L1", "stop", "C1@22", "E1@20", "E2@21", "R1@11",
                                               "R2@12", "end7", "R3@13"}));
  // Critical credit as soon as no critical event waits; replay credit at half of its 4 slots;
  // the rest when leaving. The event lane's ack names no lane (what every minor reads as it).
  EXPECT_EQ(acks, (std::vector<std::string>{"LANE_CRITICAL:1", "LANE_REPLAY:2",
                                            "LANE_UNSPECIFIED:2", "LANE_REPLAY:3"}));
  EXPECT_EQ(goodbye, "node shutdown");
}

}  // namespace
}  // namespace plexus::sdk::test
