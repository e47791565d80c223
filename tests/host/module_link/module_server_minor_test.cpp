// ModuleServer: a module is served at the protocol minor its handshake negotiated (the lower of
// the node's and its own). A module that negotiated a minor before kMinorPublishAnswer is
// answered as that minor answered: subscribers and dropped, and an Error without the answer
// inside; one at the node's minor gets the whole answer.

#include <gtest/gtest.h>

#include "delivery/event_factory.h"
#include "module_server_fixture.h"
#include "plexus/ipc/publish_answer.h"

namespace plexus::host::module_link_test {
namespace {

class ModuleServerMinorTest : public ModuleServerTest {
 protected:
  // Handshake claiming protocol major.`minor` and Subscribe; returns the negotiated minor.
  std::uint32_t connectAt(const std::string& moduleId, std::uint32_t minor) {
    v1::Envelope hello = handshakeEnvelope(moduleId);
    hello.set_protocol_minor(minor);
    send(moduleId, hello);
    const v1::Envelope ack = last(moduleId);
    EXPECT_TRUE(ack.has_handshake_ack()) << ack.DebugString();
    send(moduleId, subscribeEnvelope({}));
    return ack.handshake_ack().negotiated_minor();
  }
  // Handshake at major.`minor` and Subscribe to `types`; returns the HandshakeAck.
  v1::HandshakeAck hello(const std::string& id, std::uint32_t minor,
                         std::initializer_list<v1::EventType> types = {}) {
    v1::Envelope envelope = handshakeEnvelope(id);
    envelope.set_protocol_minor(minor);
    send(id, envelope);
    const v1::Envelope ack = last(id);
    EXPECT_TRUE(ack.has_handshake_ack()) << ack.DebugString();
    send(id, subscribeEnvelope(types));
    return ack.handshake_ack();
  }
};

TEST_F(ModuleServerMinorTest, TheNegotiatedMinorIsTheLowerOfTheNodesAndTheModules) {
  registry.running.insert({"old", "newer"});
  EXPECT_EQ(connectAt("old", 0), 0u);
  EXPECT_EQ(connectAt("pub", ipc::kProtocolMinor), ipc::kProtocolMinor);
  EXPECT_EQ(connectAt("newer", ipc::kProtocolMinor + 1), ipc::kProtocolMinor);
}

TEST_F(ModuleServerMinorTest, APublishAnswerCarriesOnlyWhatThePeersMinorKnows) {
  static_assert(ipc::kMinorPublishAnswer > 0);
  v1::ModuleConfig old = registry.configs["pub"];
  old.set_name("old");
  registry.configs["old"] = old;
  registry.running.insert("old");
  registry.grant.capacity = 1;
  registry.blockPolicy.insert("sub");
  connect("sub", {v1::EVENT_TYPE_NEW_BLOCK});
  ASSERT_EQ(connectAt("pub", ipc::kProtocolMinor), ipc::kProtocolMinor);
  ASSERT_EQ(connectAt("old", ipc::kMinorPublishAnswer - 1), ipc::kMinorPublishAnswer - 1);

  // Taken: the current minor hears every count, the older one subscribers and dropped only.
  send("pub", publishEnvelope(1, newBlock(1)));
  ASSERT_TRUE(last("pub").has_response()) << last("pub").DebugString();
  EXPECT_EQ(last("pub").response().publish().subscribers(), 1u);
  EXPECT_EQ(last("pub").response().publish().accepted(), 1u);
  em.flush();
  send("sub", ackEnvelope(1));
  send("old", publishEnvelope(1, newBlock(2)));
  ASSERT_TRUE(last("old").has_response()) << last("old").DebugString();
  v1::PublishResponse asOld;
  asOld.set_subscribers(1);
  EXPECT_EQ(last("old").response().publish().SerializeAsString(), asOld.SerializeAsString())
      << last("old").DebugString();

  // Not taken (the block subscriber's incarnation ends while both wait for room): an Error for
  // both, with the answer inside only for the current minor.
  send("pub", publishEnvelope(2, newBlock(3)));
  send("old", publishEnvelope(2, newBlock(4)));
  const std::size_t pubReplies = repliesTo("pub");
  const std::size_t oldReplies = repliesTo("old");
  registry.handshaken.erase("sub");
  em.detach("sub");
  em.flush();
  ASSERT_EQ(repliesTo("pub"), pubReplies + 1);
  ASSERT_EQ(repliesTo("old"), oldReplies + 1);
  const v1::Envelope current = last("pub");
  ASSERT_TRUE(current.has_error()) << current.DebugString();
  EXPECT_EQ(current.error().correlation_id(), 2u);
  ASSERT_TRUE(current.error().has_publish()) << current.DebugString();
  ASSERT_EQ(current.error().publish().missed_size(), 1);
  EXPECT_EQ(current.error().publish().missed(0).module_id(), "sub");
  const v1::Envelope older = last("old");
  ASSERT_TRUE(older.has_error()) << older.DebugString();
  EXPECT_EQ(older.error().code(), current.error().code());
  EXPECT_EQ(older.error().correlation_id(), 2u);
  EXPECT_FALSE(older.error().has_publish()) << older.DebugString();
  EXPECT_EQ(older.error().message(), current.error().message());
}

// Filters came with 1.2: an older module could not read the refusals of its SubscribeAck, so a
// Subscribe of its that carries filters is refused whole; at 1.2 a bad filter refuses its type
// only, named in the SubscribeAck with why and where, and counts as a rejected request.
TEST_F(ModuleServerMinorTest, FiltersAreServedFromMinor2AndRefusalsRideTheSubscribeAck) {
  static_assert(ipc::kMinorFilters == 2);
  registry.running.insert({"old", "new"});
  auto filtered = [](const char* expression) {
    v1::Envelope envelope =
        subscribeEnvelope({v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_PEER_BANNED});
    auto* filter = envelope.mutable_subscribe()->add_filters();
    filter->set_type(v1::EVENT_TYPE_PEER_BANNED);
    filter->set_expression(expression);
    return envelope;
  };
  ASSERT_EQ(connectAt("old", ipc::kMinorFilters - 1), ipc::kMinorFilters - 1);
  send("old", filtered("peer_id == \"x\""));
  expectError(last("old"), v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_NE(last("old").error().message().find("content filters need protocol 1.2"),
            std::string::npos)
      << last("old").error().message();
  EXPECT_TRUE(em.subscriptions("old").empty());

  ASSERT_EQ(connectAt("new", ipc::kMinorFilters), ipc::kMinorFilters);
  send("new", filtered("peer_id == "));
  const v1::Envelope ack = last("new");
  ASSERT_TRUE(ack.has_subscribe_ack()) << ack.DebugString();
  EXPECT_EQ(ack.subscribe_ack().types_size(), 1);
  EXPECT_EQ(ack.subscribe_ack().types(0), v1::EVENT_TYPE_NEW_BLOCK);
  ASSERT_EQ(ack.subscribe_ack().refused_size(), 1);
  EXPECT_EQ(ack.subscribe_ack().refused(0).type(), v1::EVENT_TYPE_PEER_BANNED);
  EXPECT_EQ(ack.subscribe_ack().refused(0).column(), 12u) << ack.DebugString();
  EXPECT_EQ(em.stats("new")->rejected(), 1u);

  send("new", filtered("peer_id == \"x\""));
  ASSERT_TRUE(last("new").has_subscribe_ack()) << last("new").DebugString();
  EXPECT_EQ(last("new").subscribe_ack().refused_size(), 0);
  EXPECT_EQ(em.filterOf("new", v1::EVENT_TYPE_PEER_BANNED), "peer_id == \"x\"");
}

TEST_F(ModuleServerMinorTest, TheCriticalLaneIsGrantedFromMinor3AndAcksNameTheirLane) {
  static_assert(ipc::kMinorLanes == 3);
  registry.running.insert({"old", "new"});
  registry.grant.criticalCapacity = 4;
  EXPECT_EQ(hello("old", ipc::kMinorLanes - 1).critical_capacity(), 0u);
  EXPECT_EQ(hello("new", ipc::kMinorLanes).critical_capacity(), 4u);
  EXPECT_EQ(registry.minors.back(), ipc::kMinorLanes) << "the registry is told the minor";
  EXPECT_EQ(em.stats("old")->lanes(1).capacity(), 0u) << "below 1.3: no critical lane";
  EXPECT_EQ(em.stats("new")->lanes(1).capacity(), 4u);

  v1::Envelope critical = ackEnvelope(0);
  critical.mutable_ack()->set_lane(v1::LANE_CRITICAL);
  send("new", critical);
  EXPECT_EQ(em.stats("new")->rejected(), 0u);
  send("old", critical);
  expectError(last("old"), v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_NE(last("old").error().message().find("critical lane"), std::string::npos)
      << last("old").error().message();
  EXPECT_EQ(em.stats("old")->rejected(), 1u);
  v1::Envelope lifecycle = ackEnvelope(0);
  lifecycle.mutable_ack()->set_lane(v1::LANE_LIFECYCLE);
  send("new", lifecycle);
  expectError(last("new"), v1::ERROR_CODE_INVALID_ARGUMENT);
}

// Journal offsets came with 1.4: a module whose handshake negotiated 1.4 is sent the offset a
// publish carried; one at 1.3 is sent the same event without it (the encoder writes no field).
TEST_F(ModuleServerMinorTest, JournalOffsetsAreSentFromMinor4) {
  static_assert(ipc::kMinorOffsets == 4);
  registry.running.insert({"old", "new"});
  ASSERT_EQ(connectAt("old", ipc::kMinorOffsets - 1), ipc::kMinorOffsets - 1);
  ASSERT_EQ(connectAt("new", ipc::kMinorOffsets), ipc::kMinorOffsets);
  for (const char* id : {"old", "new"})
    send(id, subscribeEnvelope({v1::EVENT_TYPE_NEW_BLOCK}));
  ASSERT_TRUE(em.publish(v1::EVENT_TYPE_NEW_BLOCK, serializeEvent(newBlock(1)),
                         PublishOptions{.offset = 42})
                  .has_value());
  em.flush();
  EXPECT_EQ(transport.offsetsTo("new", v1::LANE_EVENT), std::vector<std::uint64_t>{42});
  EXPECT_EQ(transport.offsetsTo("old", v1::LANE_EVENT), std::vector<std::uint64_t>{0});
}

// Replay on request came with 1.5: the HandshakeAck offers a replay lane only at 1.5 and only
// when the node journals (this one does not), and a ReplayRequest is answered by an Error with
// its correlation id when it cannot be served.
TEST_F(ModuleServerMinorTest, AReplayIsOfferedFrom15WhenTheNodeJournalsAndRefusedOtherwise) {
  static_assert(ipc::kMinorReplay == 5);
  registry.running.insert({"old", "new"});
  EXPECT_EQ(hello("old", ipc::kMinorReplay - 1, {v1::EVENT_TYPE_NEW_BLOCK}).replay_capacity(), 0u);
  EXPECT_EQ(hello("new", ipc::kMinorReplay, {v1::EVENT_TYPE_NEW_BLOCK}).replay_capacity(), 0u)
      << "the node journals nothing";
  auto replay = [](std::uint64_t correlationId) {
    v1::Envelope envelope;
    ipc::stampVersion(envelope);
    envelope.mutable_request()->set_correlation_id(correlationId);
    envelope.mutable_request()->mutable_replay()->set_from_offset(1);
    return envelope;
  };
  send("new", replay(7));
  expectError(last("new"), v1::ERROR_CODE_UNAVAILABLE, 7);
  EXPECT_NE(last("new").error().message().find("journals nothing"), std::string::npos);
  EXPECT_EQ(em.stats("new")->rejected(), 1u);
  v1::Envelope ack = ackEnvelope(1);
  ack.mutable_ack()->set_lane(v1::LANE_REPLAY);
  send("new", ack);
  expectError(last("new"), v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_NE(last("new").error().message().find("replay lane"), std::string::npos);
}

}  // namespace
}  // namespace plexus::host::module_link_test
