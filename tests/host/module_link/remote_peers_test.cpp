// RemotePeers on fakes (remote_peers.h): a remote module is the ZAP User-Id whatever routing id
// it picked; its Handshake binds the id to that connection; a Handshake naming another id is
// PERMISSION_DENIED; a second connection while the first is live is UNAVAILABLE and ignored;
// sends go to the bound routing id (remote) or to the local transport.

#include "module_link/remote_peers.h"

#include <gtest/gtest.h>

#include "module_server_fixture.h"

namespace plexus::host::module_link_test {
namespace {

v1::Envelope heartbeat() {
  v1::Envelope envelope = stamped();
  envelope.mutable_heartbeat();
  return envelope;
}

class RemotePeersTest : public ::testing::Test {
 protected:
  RemotePeersTest() { registry.grant.capacity = 8; }

  void arrive(const std::string& routingId, const std::string& userId, const v1::Envelope& envelope,
              const std::string& address = "10.0.0.7") {
    ReceivedMessage message;
    message.routingId = routingId;
    message.userId = userId;
    message.peerAddress = address;
    message.frames.push_back(ipc::encodeEnvelope(envelope));
    peers.route(message, server, registry);
  }
  v1::Envelope lastTo(const std::string& routingId) const {
    auto envelopes = remote.envelopesTo(routingId);
    EXPECT_FALSE(envelopes.empty()) << "nothing was sent to " << routingId;
    return envelopes.empty() ? v1::Envelope() : envelopes.back();
  }

  FakeTransport local;
  FakeTransport remote;
  RemotePeers peers{local, &remote, {"far", "other"}};
  EventManager em{peers, EventManager::Options()};
  FakeRegistry registry{em};
  ModuleServer server{peers, em, registry, ModuleServer::Limits()};
};

TEST_F(RemotePeersTest, AHandshakeBindsTheKeysIdToItsConnection) {
  arrive("r1", "far", handshakeEnvelope("far"));
  ASSERT_EQ(registry.handshakes, std::vector<std::string>{"far"});
  EXPECT_TRUE(lastTo("r1").has_handshake_ack());
  EXPECT_EQ(peers.routingIdOf("far"), "r1");
  arrive("r1", "far", subscribeEnvelope({v1::EVENT_TYPE_NEW_BLOCK}));
  EXPECT_TRUE(lastTo("r1").has_subscribe_ack());
  EXPECT_EQ(registry.ready, std::vector<std::string>{"far"});
  EXPECT_EQ(local.envelopeCount(), 0u);
  server.send("pub", heartbeat());  // a local module's id goes to the local transport
  EXPECT_EQ(local.envelopesTo("pub").size(), 1u);
}

TEST_F(RemotePeersTest, AHandshakeNamingAnotherIdIsPermissionDenied) {
  arrive("r1", "far", handshakeEnvelope("other"));
  auto reply = lastTo("r1");
  ASSERT_TRUE(reply.has_error());
  EXPECT_EQ(reply.error().code(), v1::ERROR_CODE_PERMISSION_DENIED);
  EXPECT_NE(reply.error().message().find("may not act as module 'other'"), std::string::npos);
  EXPECT_TRUE(registry.handshakes.empty());
  EXPECT_EQ(peers.routingIdOf("far"), "");
  EXPECT_EQ(peers.routingIdOf("other"), "");
}

// The bound connection's messages are not decoded here (the ModuleServer does, once): a
// Handshake there goes to the registry, which refuses a second one (supervisor_remote_test.cpp),
// as it does a local module's.
TEST_F(RemotePeersTest, TheBoundConnectionsMessagesGoStraightToTheServer) {
  arrive("r1", "far", handshakeEnvelope("far"));
  arrive("r1", "far", handshakeEnvelope("other"));
  EXPECT_EQ(registry.handshakes, (std::vector<std::string>{"far", "far"}));
  EXPECT_EQ(peers.routingIdOf("far"), "r1");
  ReceivedMessage garbage;  // the server's to count as malformed
  garbage.routingId = "r1";
  garbage.userId = "far";
  garbage.frames.emplace_back(std::string_view("\xff\xff"));
  peers.route(garbage, server, registry);
  ASSERT_TRUE(lastTo("r1").has_error());
  EXPECT_EQ(lastTo("r1").error().code(), v1::ERROR_CODE_MALFORMED);
}

TEST_F(RemotePeersTest, ASecondConnectionIsUnavailableWhileTheFirstIsLive) {
  arrive("r1", "far", handshakeEnvelope("far"));
  arrive("r2", "far", handshakeEnvelope("far"), "10.0.0.8");
  auto reply = lastTo("r2");
  ASSERT_TRUE(reply.has_error());
  EXPECT_EQ(reply.error().code(), v1::ERROR_CODE_UNAVAILABLE);
  EXPECT_NE(reply.error().message().find("connected from 10.0.0.7"), std::string::npos);
  EXPECT_EQ(registry.handshakes.size(), 1u);
  const auto traffic = registry.traffic.size();
  arrive("r2", "far", subscribeEnvelope({}));  // ignored
  EXPECT_EQ(registry.traffic.size(), traffic);
  EXPECT_EQ(remote.envelopesTo("r2").size(), 1u);
  arrive("r1", "far", subscribeEnvelope({}));  // the first keeps working
  EXPECT_TRUE(lastTo("r1").has_subscribe_ack());
  EXPECT_EQ(peers.routingIdOf("far"), "r1");
}

TEST_F(RemotePeersTest, OnceTheFirstIsDetachedANewConnectionTakesTheId) {
  arrive("r1", "far", handshakeEnvelope("far"));
  registry.handshaken.erase("far");  // liveness found it dead
  em.detach("far");
  arrive("r2", "far", handshakeEnvelope("far"), "10.0.0.8");
  EXPECT_TRUE(lastTo("r2").has_handshake_ack());
  EXPECT_EQ(peers.routingIdOf("far"), "r2");
  const auto toFirst = remote.envelopesTo("r1").size();
  const auto traffic = registry.traffic.size();
  arrive("r1", "far", subscribeEnvelope({}));  // the old connection's late words
  EXPECT_EQ(registry.traffic.size(), traffic);
  EXPECT_EQ(remote.envelopesTo("r1").size(), toFirst);
}

TEST_F(RemotePeersTest, UnboundOrForeignMessagesAreIgnoredAndUnboundSendsUnreachable) {
  arrive("r1", "far", subscribeEnvelope({}));     // before any Handshake
  arrive("r1", "pub", handshakeEnvelope("pub"));  // not a remote module's id
  EXPECT_TRUE(registry.handshakes.empty());
  EXPECT_EQ(registry.callCount(), 0u);
  EXPECT_EQ(remote.envelopeCount(), 0u);
  server.send("far", heartbeat());
  EXPECT_EQ(registry.unreachable, std::vector<std::string>{"far"});
}

TEST(RemotePeersWithoutEndpointTest, NoIdIsRemote) {
  FakeTransport local;
  RemotePeers peers(local, nullptr, {"far"});
  EXPECT_EQ(peers.sendEnvelope("far", heartbeat()), SendStatus::Sent);
  EXPECT_EQ(local.envelopesTo("far").size(), 1u);
}

}  // namespace
}  // namespace plexus::host::module_link_test
