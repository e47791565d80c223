// ModuleServer: a module's requests: Publish (capabilities, host-only types, payload checks,
// stamping with the module as source, the answer with the subscriber count) and Stats.

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "module_server_fixture.h"

namespace plexus::host::module_link_test {
namespace {

TEST_F(ModuleServerTest, PublishOfAHostOnlyTypeIsDenied) {
  connect("pub");
  v1::Event shutdown;
  shutdown.set_type(v1::EVENT_TYPE_NODE_SHUTDOWN);
  shutdown.mutable_node_shutdown();
  send("pub", publishEnvelope(71, shutdown));
  expectError(last("pub"), v1::ERROR_CODE_PERMISSION_DENIED, 71);
  EXPECT_EQ(stats("pub").rejected(), 1u);
  EXPECT_EQ(em.eventsPublished(), 1u);  // only pub's own ModuleLoaded
}

TEST_F(ModuleServerTest, PublishOfATypeNotInCapabilitiesIsDenied) {
  connect("pub");
  v1::Event tx;
  tx.set_type(v1::EVENT_TYPE_NEW_TRANSACTION);
  tx.mutable_new_transaction()->set_txid("aa");
  send("pub", publishEnvelope(72, tx));
  expectError(last("pub"), v1::ERROR_CODE_PERMISSION_DENIED, 72);
  EXPECT_NE(last("pub").error().message().find("capabilities.publish"), std::string::npos);

  // A module with no grants may publish nothing.
  connect("sub");
  send("sub", publishEnvelope(73, newBlock(1)));
  expectError(last("sub"), v1::ERROR_CODE_PERMISSION_DENIED, 73);
  EXPECT_EQ(stats("pub").rejected(), 1u);
  EXPECT_EQ(stats("sub").rejected(), 1u);
}

TEST_F(ModuleServerTest, PublishOfAModuleWithoutAKnownConfigIsDenied) {
  connect("pub");
  registry.configs.erase("pub");  // no capabilities known: nothing is granted, not everything
  send("pub", publishEnvelope(75, newBlock(1)));
  expectError(last("pub"), v1::ERROR_CODE_PERMISSION_DENIED, 75);
  EXPECT_NE(last("pub").error().message().find("is unknown"), std::string::npos);
}

TEST_F(ModuleServerTest, PublishWhosePayloadDoesNotMatchItsTypeIsInvalid) {
  connect("pub");
  v1::Event mismatched;
  mismatched.set_type(v1::EVENT_TYPE_NEW_BLOCK);
  mismatched.mutable_new_transaction()->set_txid("aa");
  send("pub", publishEnvelope(74, mismatched));
  expectError(last("pub"), v1::ERROR_CODE_INVALID_ARGUMENT, 74);

  v1::Event empty;
  empty.set_type(v1::EVENT_TYPE_NEW_BLOCK);  // no payload at all
  send("pub", publishEnvelope(75, empty));
  expectError(last("pub"), v1::ERROR_CODE_INVALID_ARGUMENT, 75);
  EXPECT_EQ(stats("pub").rejected(), 2u);
}

TEST_F(ModuleServerTest, PermittedPublishIsAnsweredAndDeliveredWithTheModuleAsSource) {
  connect("sub", {v1::EVENT_TYPE_NEW_BLOCK});
  connect("pub");
  v1::Event forged = newBlock(812);
  forged.set_source("host");  // a module cannot pretend to be the host
  forged.set_published_at_unix_ns(1);
  send("pub", publishEnvelope(99, forged));

  const v1::Envelope reply = last("pub");
  ASSERT_TRUE(reply.has_response()) << reply.DebugString();
  EXPECT_EQ(reply.response().correlation_id(), 99u);
  ASSERT_TRUE(reply.response().has_publish());
  EXPECT_EQ(reply.response().publish().subscribers(), 1u);
  EXPECT_EQ(reply.response().publish().dropped(), 0u);
  EXPECT_EQ(stats("pub").rejected(), 0u);

  em.flush();  // the loop's after-hook does this
  const auto delivered = transport.eventsTo("sub", v1::LANE_EVENT);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].type(), v1::EVENT_TYPE_NEW_BLOCK);
  EXPECT_EQ(delivered[0].source(), "pub");
  EXPECT_GT(delivered[0].published_at_unix_ns(), 1);
  EXPECT_EQ(delivered[0].new_block().height(), 812u);
  EXPECT_TRUE(transport.eventsTo("pub", v1::LANE_EVENT).empty());  // not subscribed
  EXPECT_EQ(stats("sub").routed(), 1u);
}

TEST_F(ModuleServerTest, PublishWithoutSubscribersReportsZero) {
  connect("pub");
  send("pub", publishEnvelope(5, newBlock(1)));
  const v1::Envelope reply = last("pub");
  ASSERT_TRUE(reply.has_response());
  EXPECT_EQ(reply.response().correlation_id(), 5u);
  EXPECT_EQ(reply.response().publish().subscribers(), 0u);
}

TEST_F(ModuleServerTest, StatsRequestReturnsTheModulesDeliveryStats) {
  connect("sub", {v1::EVENT_TYPE_NEW_BLOCK});
  connect("pub");
  for (std::uint64_t h = 1; h <= 3; ++h)
    send("pub", publishEnvelope(h, newBlock(h)));
  sendRaw("sub", {"junk"});  // one decode error, so not every counter is zero

  send("sub", statsEnvelope(1234));
  const v1::Envelope reply = last("sub");
  ASSERT_TRUE(reply.has_response()) << reply.DebugString();
  EXPECT_EQ(reply.response().correlation_id(), 1234u);
  ASSERT_TRUE(reply.response().has_stats());
  const auto& got = reply.response().stats();
  EXPECT_EQ(got.module_id(), "sub");
  EXPECT_EQ(got.routed(), 3u);
  EXPECT_EQ(got.decode_errors(), 1u);
  EXPECT_EQ(got.capacity(), 16u);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got, stats("sub")))
      << got.DebugString() << " vs " << stats("sub").DebugString();
}

// Issue 10, item 2: a publish waits for a block subscriber while its publisher's incarnation
// ends. Its answer goes neither to the module between incarnations (the node would take the
// unreachable peer for a lost connection) nor to the next incarnation, whose correlation ids
// start over; the next incarnation's own publishes are answered as usual.
TEST_F(ModuleServerTest, AnAnswerToAPreviousIncarnationIsNeverSentToTheNextOne) {
  registry.grant.capacity = 1;
  registry.blockPolicy.insert("sub");
  connect("sub", {v1::EVENT_TYPE_NEW_BLOCK});
  connect("pub");
  send("pub", publishEnvelope(1, newBlock(1)));  // takes the subscriber's only slot
  ASSERT_TRUE(last("pub").has_response());
  send("pub", publishEnvelope(2, newBlock(2)));  // waits for room
  send("pub", publishEnvelope(3, newBlock(3)));  // waits too
  const std::size_t answered = repliesTo("pub");

  // The incarnation exits; the first waiting publish resolves before any successor connects.
  registry.handshaken.erase("pub");
  em.detach("pub");
  em.flush();
  send("sub", ackEnvelope(1));
  EXPECT_EQ(repliesTo("pub"), answered);
  EXPECT_TRUE(registry.unreachable.empty());

  // The next incarnation connects; the second waiting publish resolves.
  registry.grant.incarnation = 4;
  connect("pub");
  const std::size_t connected = repliesTo("pub");
  em.flush();
  send("sub", ackEnvelope(2));
  EXPECT_EQ(repliesTo("pub"), connected) << last("pub").DebugString();

  send("pub", publishEnvelope(1, newBlock(4)));  // its own first publish, waiting as well
  em.flush();
  send("sub", ackEnvelope(3));
  const v1::Envelope reply = last("pub");
  ASSERT_TRUE(reply.has_response()) << reply.DebugString();
  EXPECT_EQ(reply.response().correlation_id(), 1u);
  EXPECT_EQ(repliesTo("pub"), connected + 1);
  EXPECT_TRUE(registry.unreachable.empty());
}

}  // namespace
}  // namespace plexus::host::module_link_test
