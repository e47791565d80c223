// TailSessions with a real EventManager (its batches for taps routed to the sessions, as the
// node's sink does) and a recording replier: a session delivers what it subscribed to, with
// credit from TailAck; TailStop ends it and is answered; a new TailRequest replaces the
// connection's session; invalid types and filters are refused, a filter narrows the session; a
// client that is gone ends its session on the next send or probe, also from the probe timer.

#include "control/tail_sessions.h"

#include <gtest/gtest.h>

#include <utility>

#include "delivery/event_factory.h"
#include "fakes/fake_replier.h"
#include "plexus/ipc/protocol.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

// The node's sink, for taps only.
class TapSink final : public EventSink {
 public:
  SendStatus sendEvents(const std::string& id, v1::Lane lane,
                        std::span<const ipc::OutgoingEvent> events) override {
    EXPECT_TRUE(TailSessions::isTap(id)) << id;
    return tails->sendEvents(id, lane, events);
  }
  TailSessions* tails = nullptr;
};

class TailSessionsTest : public ::testing::Test {
 protected:
  TailSessionsTest() { sink.tails = &tails; }

  void tail(const std::string& client, const std::vector<int>& types,
            std::uint64_t correlationId = 1, const std::string& filter = "") {
    v1::ControlRequest request;
    request.set_correlation_id(correlationId);
    auto* body = request.mutable_tail();
    for (int t : types)
      body->add_types(static_cast<v1::EventType>(t));
    body->set_filter(filter);
    tails.handle(client, request);
  }
  void publish(v1::EventType type) {
    v1::Event event = hostEvent(type);
    if (type == v1::EVENT_TYPE_NEW_BLOCK) event.mutable_new_block()->set_height(++m_height);
    if (type == v1::EVENT_TYPE_PEER_CONNECTED) event.mutable_peer_connected()->set_peer_id("p");
    events.publish(event.type(), serializeEvent(event));
    events.flush();
  }
  // Events (not probes) each client received, parsed.
  std::vector<v1::Event> tailed(const std::string& client) {
    std::vector<v1::Event> out;
    for (const auto& response : replier.to(client)) {
      if (!response.has_tail_events()) continue;
      for (const auto& body : response.tail_events().bodies()) {
        v1::Event event;
        EXPECT_TRUE(event.ParseFromString(body));
        out.push_back(event);
      }
    }
    return out;
  }

  TapSink sink;
  EventManager events{sink, EventManager::Options()};
  EventLoop loop;
  fakes::FakeReplier replier;
  TailSessions tails{loop, events, replier, 10ms, /*capacity=*/2};

 private:
  std::uint64_t m_height = 0;
};

TEST_F(TailSessionsTest, ServesTheThreeTailBodies) {
  EXPECT_EQ(tails.bodies(), (std::vector<v1::ControlRequest::BodyCase>{
                                v1::ControlRequest::kTail, v1::ControlRequest::kTailAck,
                                v1::ControlRequest::kTailStop}));
  EXPECT_TRUE(TailSessions::isTap("tail:1"));
  EXPECT_FALSE(TailSessions::isTap("logger"));
}

TEST_F(TailSessionsTest, ASessionGetsTheTypesItAskedForWithCreditFromTailAck) {
  tail("op", {v1::EVENT_TYPE_NEW_BLOCK});
  EXPECT_TRUE(replier.sent.empty()) << "a started session is not answered; its events are";
  publish(v1::EVENT_TYPE_PEER_CONNECTED);  // not asked for
  for (int i = 0; i < 3; ++i)
    publish(v1::EVENT_TYPE_NEW_BLOCK);
  auto got = tailed("op");
  ASSERT_EQ(got.size(), 2u) << "its channel holds 2 until acked";
  EXPECT_EQ(got[0].new_block().height(), 1u);
  const v1::TailEvents batch = replier.to("op").back().tail_events();
  EXPECT_EQ(batch.lane(), v1::LANE_EVENT);
  EXPECT_EQ(batch.events(0).size(), batch.bodies(0).size());

  v1::ControlRequest ack;
  ack.mutable_tail_ack()->set_through_seq(2);
  tails.handle("op", ack);
  publish(v1::EVENT_TYPE_NEW_BLOCK);
  got = tailed("op");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].new_block().height(), 4u);
  EXPECT_EQ(replier.to("op").back().tail_events().events(0).dropped_before(), 1u)
      << "the third event found the channel full";
}

// Journal offsets (1.4) go to a client that speaks 1.4; an older plexusctl gets none.
TEST_F(TailSessionsTest, ASessionCarriesJournalOffsetsFromMinor4) {
  for (const auto& [client, minor] :
       {std::pair{"new", ipc::kMinorOffsets}, std::pair{"old", ipc::kMinorOffsets - 1}}) {
    v1::ControlRequest request;
    request.set_protocol_major(ipc::kProtocolMajor);
    request.set_protocol_minor(minor);
    request.mutable_tail()->add_types(v1::EVENT_TYPE_NEW_BLOCK);
    tails.handle(client, request);
  }
  v1::Event block = hostEvent(v1::EVENT_TYPE_NEW_BLOCK);
  events.publish(block.type(), serializeEvent(block), PublishOptions{.offset = 42});
  events.flush();
  ASSERT_FALSE(replier.to("new").empty());
  ASSERT_EQ(replier.to("new").back().tail_events().events_size(), 1);
  EXPECT_EQ(replier.to("new").back().tail_events().events(0).offset(), 42u);
  ASSERT_FALSE(replier.to("old").empty());
  ASSERT_EQ(replier.to("old").back().tail_events().events_size(), 1);
  EXPECT_EQ(replier.to("old").back().tail_events().events(0).offset(), 0u);
}

TEST_F(TailSessionsTest, NoTypesMeansEveryType) {
  tail("op", {});
  publish(v1::EVENT_TYPE_PEER_CONNECTED);
  publish(v1::EVENT_TYPE_NEW_BLOCK);
  EXPECT_EQ(tailed("op").size(), 2u);
}

TEST_F(TailSessionsTest, AnInvalidTypeIsRefusedAndStartsNoSession) {
  tail("op", {v1::EVENT_TYPE_NEW_BLOCK, 9999}, 12);
  ASSERT_EQ(replier.sent.size(), 1u);
  ASSERT_TRUE(replier.last().has_error());
  EXPECT_EQ(replier.last().error().code(), v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(replier.last().correlation_id(), 12u);
  publish(v1::EVENT_TYPE_NEW_BLOCK);
  EXPECT_TRUE(tailed("op").empty());
}

TEST_F(TailSessionsTest, AFilterNarrowsTheSessionAndOneThatDoesNotCompileStartsNone) {
  tail("bad", {v1::EVENT_TYPE_NEW_BLOCK}, 7, "height >");
  ASSERT_EQ(replier.sent.size(), 1u);
  ASSERT_TRUE(replier.last().has_error());
  EXPECT_EQ(replier.last().error().code(), v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(replier.last().error().message().rfind("tail --filter: NewBlock: column ", 0), 0u)
      << replier.last().error().message();

  tail("op", {v1::EVENT_TYPE_NEW_BLOCK}, 8, "height > 1");
  EXPECT_EQ(events.filterOf("tail:1", v1::EVENT_TYPE_NEW_BLOCK), "height > 1")
      << "the first session started";
  for (int i = 0; i < 3; ++i)
    publish(v1::EVENT_TYPE_NEW_BLOCK);
  const auto got = tailed("op");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].new_block().height(), 2u);
  EXPECT_EQ(got[1].new_block().height(), 3u);
  EXPECT_TRUE(tailed("bad").empty());
}

TEST_F(TailSessionsTest, TailStopEndsTheSessionAndIsAnsweredAfterIt) {
  tail("op", {v1::EVENT_TYPE_NEW_BLOCK});
  v1::ControlRequest stop;
  stop.set_correlation_id(21);
  stop.mutable_tail_stop();
  tails.handle("op", stop);
  ASSERT_EQ(replier.sent.size(), 1u);
  EXPECT_TRUE(replier.last().has_tail_stopped());
  EXPECT_EQ(replier.last().correlation_id(), 21u);
  publish(v1::EVENT_TYPE_NEW_BLOCK);
  EXPECT_TRUE(tailed("op").empty());
  tails.handle("op", stop);  // without a session: still answered
  EXPECT_EQ(replier.sent.size(), 2u);
}

// Ended sessions leave nothing: no statistics, no slot, whichever way they ended (TailStop, a
// new request, a vanished client), also one ended with events queued and not yet sent.
TEST_F(TailSessionsTest, AnEndedSessionLeavesNothingBehind) {
  tail("stopped", {v1::EVENT_TYPE_NEW_BLOCK});   // tail:1
  tail("replaced", {v1::EVENT_TYPE_NEW_BLOCK});  // tail:2, replaced by tail:3
  tail("replaced", {v1::EVENT_TYPE_NEW_BLOCK});
  tail("gone", {v1::EVENT_TYPE_NEW_BLOCK});  // tail:4
  v1::Event block = hostEvent(v1::EVENT_TYPE_NEW_BLOCK);
  events.publish(block.type(), serializeEvent(block));  // queued for every tap, not flushed
  v1::ControlRequest stop;
  stop.mutable_tail_stop();
  tails.handle("stopped", stop);
  replier.gone.insert("gone");
  tails.probe();
  events.flush();  // must not touch the ended sessions' slots
  for (const char* ended : {"tail:1", "tail:2", "tail:4"})
    EXPECT_FALSE(events.stats(ended).has_value()) << ended;
  EXPECT_TRUE(events.stats("tail:3").has_value()) << "the live session";
  EXPECT_EQ(events.slotCount(), 1u);
  tails.handle("replaced", stop);
  EXPECT_EQ(events.slotCount(), 0u);
}

TEST_F(TailSessionsTest, ANewRequestReplacesTheConnectionsSession) {
  tail("op", {v1::EVENT_TYPE_NEW_BLOCK});
  tail("op", {v1::EVENT_TYPE_PEER_CONNECTED});
  tail("other", {v1::EVENT_TYPE_NEW_BLOCK});
  publish(v1::EVENT_TYPE_NEW_BLOCK);
  publish(v1::EVENT_TYPE_PEER_CONNECTED);
  auto got = tailed("op");
  ASSERT_EQ(got.size(), 1u) << "one session per connection";
  EXPECT_EQ(got[0].type(), v1::EVENT_TYPE_PEER_CONNECTED);
  EXPECT_EQ(tailed("other").size(), 1u);
}

TEST_F(TailSessionsTest, AProbeSendsAnEmptyBatchAndEndsTheSessionsOfClientsThatAreGone) {
  tail("stays", {v1::EVENT_TYPE_NEW_BLOCK});
  tail("gone", {v1::EVENT_TYPE_NEW_BLOCK});
  replier.gone.insert("gone");
  tails.probe();
  ASSERT_EQ(replier.to("stays").size(), 1u);
  EXPECT_TRUE(replier.to("stays")[0].has_tail_events());
  EXPECT_EQ(replier.to("stays")[0].tail_events().events_size(), 0);
  replier.gone.clear();  // had it not ended, it would get the next event
  publish(v1::EVENT_TYPE_NEW_BLOCK);
  EXPECT_TRUE(tailed("gone").empty());
  EXPECT_EQ(tailed("stays").size(), 1u);
}

TEST_F(TailSessionsTest, AClientFoundGoneByAnEventSendEndsAfterTheFlush) {
  tail("gone", {v1::EVENT_TYPE_NEW_BLOCK});
  replier.gone.insert("gone");
  publish(v1::EVENT_TYPE_NEW_BLOCK);
  const auto unreachable = events.takeUnreachable();
  ASSERT_EQ(unreachable.size(), 1u);
  EXPECT_TRUE(TailSessions::isTap(unreachable[0]));
  tails.end(unreachable[0]);  // as the node's sink does
  replier.gone.clear();
  publish(v1::EVENT_TYPE_NEW_BLOCK);
  EXPECT_TRUE(tailed("gone").empty());
}

TEST_F(TailSessionsTest, TheProbeTimerEndsASessionWhoseClientVanished) {
  tail("gone", {v1::EVENT_TYPE_NEW_BLOCK});
  replier.gone.insert("gone");
  tails.start();
  loop.addAfterHook([&] {
    if (replier.refused["gone"] > 0) loop.stop();  // probed
  });
  loop.runAfter(5s, [&] { loop.stop(); });  // a deadline, should no probe come
  loop.run();
  ASSERT_EQ(replier.refused["gone"], 1);
  replier.gone.clear();  // had the session not ended, it would get the next event
  publish(v1::EVENT_TYPE_NEW_BLOCK);
  EXPECT_TRUE(tailed("gone").empty());
}

}  // namespace
}  // namespace plexus::host
