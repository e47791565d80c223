// ModuleServer: what comes before a session: the connection's authentication (User-Id),
// framing and malformed input, the protocol version, the handshake, and messages sent before it
// or after the process exited.

#include <gtest/gtest.h>
#include <unistd.h>

#include "module_server_fixture.h"
#include "plexus/version.h"

namespace plexus::host::module_link_test {
namespace {

TEST_F(ModuleServerTest, UserIdOtherThanTheRoutingIdIsDroppedSilently) {
  std::vector<zmq::message_t> frames;
  frames.push_back(ipc::encodeEnvelope(handshakeEnvelope("pub")));
  server.handle("pub", "intruder", frames);
  frames.clear();
  frames.push_back(ipc::encodeEnvelope(handshakeEnvelope("pub")));
  server.handle("pub", "", frames);
  EXPECT_EQ(transport.envelopeCount(), 0u);
  EXPECT_EQ(registry.callCount(), 0u);
  EXPECT_FALSE(em.stats("pub").has_value());  // not even counted against the module
}

TEST_F(ModuleServerTest, FrameThatIsNotAnEnvelopeIsMalformedAndCounted) {
  send("pub", handshakeEnvelope("pub"));
  ASSERT_EQ(stats("pub").decode_errors(), 0u);
  sendRaw("pub", {std::string("\xff\xff\xff\xff garbage", 12)});
  expectError(last("pub"), v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(stats("pub").decode_errors(), 1u);
  sendRaw("pub", {""});  // an empty frame carries no body
  expectError(last("pub"), v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(stats("pub").decode_errors(), 2u);
  // Still connected and handshaken: the next request works.
  send("pub", statsEnvelope(5));
  EXPECT_TRUE(last("pub").has_response());
}

TEST_F(ModuleServerTest, TwoFramesAreMalformed) {
  send("pub", handshakeEnvelope("pub"));
  zmq::message_t one = ipc::encodeEnvelope(statsEnvelope(1));
  sendRaw("pub", {std::string(one.data<char>(), one.size()), "second"});
  expectError(last("pub"), v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(stats("pub").decode_errors(), 1u);
  sendRaw("pub", {});  // and none
  expectError(last("pub"), v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(stats("pub").decode_errors(), 2u);
}

TEST_F(ModuleServerTest, HandshakeWithAnotherMajorIsRefused) {
  v1::Envelope handshake = handshakeEnvelope("pub");
  handshake.set_protocol_major(ipc::kProtocolMajor + 1);
  send("pub", handshake);
  expectError(last("pub"), v1::ERROR_CODE_UNSUPPORTED_VERSION);
  ASSERT_EQ(registry.refused.size(), 1u);
  EXPECT_EQ(registry.refused[0].first, "pub");
  EXPECT_NE(registry.refused[0].second.find("protocol 2."), std::string::npos)
      << registry.refused[0].second;
  EXPECT_TRUE(registry.handshakes.empty());  // never offered to the supervisor
  EXPECT_FALSE(registry.isHandshaken("pub"));
  EXPECT_EQ(stats("pub").rejected(), 1u);
}

TEST_F(ModuleServerTest, OtherMajorMidSessionIsAnErrorWithTheCorrelationId) {
  send("pub", handshakeEnvelope("pub"));
  v1::Envelope request = statsEnvelope(44);
  request.set_protocol_major(ipc::kProtocolMajor + 1);
  send("pub", request);
  expectError(last("pub"), v1::ERROR_CODE_UNSUPPORTED_VERSION, 44);
  EXPECT_TRUE(registry.refused.empty());  // not a handshake: nothing to refuse
  EXPECT_EQ(stats("pub").rejected(), 1u);
}

TEST_F(ModuleServerTest, ValidHandshakeIsAckedWithTheGrant) {
  send("pub", handshakeEnvelope("pub"));
  ASSERT_EQ(registry.handshakes, std::vector<std::string>{"pub"});
  const v1::Envelope reply = last("pub");
  ASSERT_TRUE(reply.has_handshake_ack()) << reply.DebugString();
  EXPECT_EQ(reply.protocol_major(), ipc::kProtocolMajor);
  const auto& ack = reply.handshake_ack();
  EXPECT_EQ(ack.channel_capacity(), 16u);
  EXPECT_EQ(ack.heartbeat_interval_ms(), 250u);
  EXPECT_EQ(ack.incarnation(), 3u);
  EXPECT_EQ(ack.negotiated_minor(), ipc::kProtocolMinor);
  ASSERT_EQ(ack.settings().size(), 2u);
  EXPECT_EQ(ack.settings().at("blocks_per_s"), "2");
  EXPECT_EQ(ack.settings().at("mode"), "fast");
  EXPECT_EQ(ack.node().version(), kPlexusVersion);
  EXPECT_EQ(ack.node().pid(), ::getpid());
  EXPECT_EQ(registry.traffic, std::vector<std::string>{"pub"});
}

TEST_F(ModuleServerTest, HandshakeRefusedByTheRegistryIsAnError) {
  registry.refusal = makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "already completed");
  send("pub", handshakeEnvelope("pub"));
  expectError(last("pub"), v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(last("pub").error().message(), "already completed");
}

TEST_F(ModuleServerTest, SubscribeBeforeHandshakeIsRefused) {
  send("sub", subscribeEnvelope({v1::EVENT_TYPE_NEW_BLOCK}));
  expectError(last("sub"), v1::ERROR_CODE_NOT_HANDSHAKEN);
  EXPECT_TRUE(registry.ready.empty());
  EXPECT_TRUE(em.subscribers(v1::EVENT_TYPE_NEW_BLOCK).empty());

  send("sub", statsEnvelope(8));  // a request gets its correlation id back
  expectError(last("sub"), v1::ERROR_CODE_NOT_HANDSHAKEN, 8);
}

TEST_F(ModuleServerTest, LateMessageOfAModuleThatIsNoLongerRunningIsDropped) {
  registry.running.erase("sub");  // its exit was seen before this message
  send("sub", subscribeEnvelope({v1::EVENT_TYPE_NEW_BLOCK}));
  send("sub", statsEnvelope(9));
  EXPECT_EQ(repliesTo("sub"), 0u);
  EXPECT_FALSE(em.stats("sub").has_value());  // nothing counted as rejected either
  EXPECT_TRUE(registry.ready.empty());
}

}  // namespace
}  // namespace plexus::host::module_link_test
