// ModuleServer: a handshaken module's session: Subscribe (ready once), Goodbye, acks, bodies a
// module may not send, errors from the module, request rate limits, an unreachable module, and
// the last words of a previous incarnation.

#include <gtest/gtest.h>

#include "module_server_fixture.h"

namespace plexus::host::module_link_test {
namespace {

TEST_F(ModuleServerTest, SubscribeAfterHandshakeIsAckedAndMakesTheModuleReadyOnce) {
  send("sub", handshakeEnvelope("sub"));
  send("sub", subscribeEnvelope({v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_NEW_TRANSACTION}));
  v1::Envelope reply = last("sub");
  ASSERT_TRUE(reply.has_subscribe_ack()) << reply.DebugString();
  std::set<int> types(reply.subscribe_ack().types().begin(), reply.subscribe_ack().types().end());
  EXPECT_EQ(types, (std::set<int>{v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_NEW_TRANSACTION}));
  EXPECT_EQ(registry.ready, std::vector<std::string>{"sub"});
  EXPECT_EQ(em.subscribers(v1::EVENT_TYPE_NEW_BLOCK), std::vector<std::string>{"sub"});

  // A later Subscribe is additive and does not make it ready again.
  send("sub", subscribeEnvelope({v1::EVENT_TYPE_CHAIN_REORG}));
  reply = last("sub");
  ASSERT_TRUE(reply.has_subscribe_ack());
  types = std::set<int>(reply.subscribe_ack().types().begin(), reply.subscribe_ack().types().end());
  EXPECT_EQ(types, (std::set<int>{v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_NEW_TRANSACTION,
                                  v1::EVENT_TYPE_CHAIN_REORG}));
  EXPECT_EQ(registry.ready, std::vector<std::string>{"sub"});
}

TEST_F(ModuleServerTest, EmptySubscribeIsAckedAndLoadsTheModule) {
  send("sub", handshakeEnvelope("sub"));
  send("sub", subscribeEnvelope({}));
  const v1::Envelope reply = last("sub");
  ASSERT_TRUE(reply.has_subscribe_ack()) << reply.DebugString();
  EXPECT_EQ(reply.subscribe_ack().types_size(), 0);
  EXPECT_EQ(registry.ready, std::vector<std::string>{"sub"});
}

TEST_F(ModuleServerTest, RequestsBeyondTheRateAreRateLimitedButAcksAndHeartbeatsNeverAre) {
  ModuleServer::Limits limits;
  limits.requestsPerSecond = 3;
  ModuleServer limited(transport, em, registry, limits);
  send(limited, "pub", handshakeEnvelope("pub"));  // not a request
  ASSERT_TRUE(last("pub").has_handshake_ack());

  // A burst of the bucket's size passes; the next request is refused with its correlation id.
  for (std::uint64_t id = 1; id <= 3; ++id) {
    send(limited, "pub", statsEnvelope(id));
    ASSERT_TRUE(last("pub").has_response()) << id << ": " << last("pub").DebugString();
  }
  send(limited, "pub", statsEnvelope(4));
  expectError(last("pub"), v1::ERROR_CODE_RATE_LIMITED, 4);
  send(limited, "pub", subscribeEnvelope({v1::EVENT_TYPE_NEW_BLOCK}));
  expectError(last("pub"), v1::ERROR_CODE_RATE_LIMITED);
  EXPECT_TRUE(registry.ready.empty());
  EXPECT_EQ(stats("pub").rejected(), 2u);

  // Credit and liveness flow regardless: no reply at all, and nothing more rejected.
  const std::size_t before = repliesTo("pub");
  for (int i = 0; i < 10; ++i) {
    v1::Envelope ack = stamped();
    ack.mutable_ack()->set_through_seq(0);
    send(limited, "pub", ack);
    v1::Envelope heartbeat = stamped();
    heartbeat.mutable_heartbeat();
    send(limited, "pub", heartbeat);
  }
  EXPECT_EQ(repliesTo("pub"), before);
  EXPECT_EQ(stats("pub").rejected(), 2u);
  EXPECT_EQ(registry.traffic.size(), 1u + 5u + 20u);

  v1::Envelope goodbye = stamped();
  goodbye.mutable_goodbye()->set_reason("done");
  send(limited, "pub", goodbye);
  EXPECT_EQ(registry.goodbyes.size(), 1u);
}

TEST_F(ModuleServerTest, RateLimitIsPerModule) {
  ModuleServer::Limits limits;
  limits.requestsPerSecond = 1;
  ModuleServer limited(transport, em, registry, limits);
  send(limited, "pub", handshakeEnvelope("pub"));
  send(limited, "sub", handshakeEnvelope("sub"));
  send(limited, "pub", statsEnvelope(1));
  send(limited, "pub", statsEnvelope(2));
  expectError(last("pub"), v1::ERROR_CODE_RATE_LIMITED, 2);
  send(limited, "sub", statsEnvelope(3));
  EXPECT_TRUE(last("sub").has_response());
}

TEST_F(ModuleServerTest, GoodbyeIsPassedToTheRegistry) {
  connect("pub");
  const std::size_t before = repliesTo("pub");
  v1::Envelope goodbye = stamped();
  goodbye.mutable_goodbye()->set_reason("unloading");
  send("pub", goodbye);
  ASSERT_EQ(registry.goodbyes.size(), 1u);
  EXPECT_EQ(registry.goodbyes[0], (std::pair<std::string, std::string>{"pub", "unloading"}));
  EXPECT_EQ(repliesTo("pub"), before);  // Goodbye needs no answer
}

TEST_F(ModuleServerTest, ARequestWithoutABodyIsMalformedAndKeepsItsCorrelationId) {
  connect("pub");
  v1::Envelope request = stamped();
  request.mutable_request()->set_correlation_id(91);
  send("pub", request);
  expectError(last("pub"), v1::ERROR_CODE_MALFORMED, 91);
  EXPECT_EQ(stats("pub").decode_errors(), 1u);
}

TEST_F(ModuleServerTest, HostOnlyEnvelopeBodiesFromAModuleAreMalformed) {
  connect("pub");
  v1::Envelope batch = stamped();
  batch.mutable_event_batch()->set_lane(v1::LANE_EVENT);
  send("pub", batch);
  expectError(last("pub"), v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(stats("pub").decode_errors(), 1u);

  v1::Envelope ack = stamped();
  ack.mutable_handshake_ack()->set_channel_capacity(5);
  send("pub", ack);
  expectError(last("pub"), v1::ERROR_CODE_MALFORMED);
  v1::Envelope response = stamped();
  response.mutable_response()->set_correlation_id(1);
  send("pub", response);
  expectError(last("pub"), v1::ERROR_CODE_MALFORMED);
  EXPECT_EQ(stats("pub").decode_errors(), 3u);
  EXPECT_EQ(em.loadedModules(), std::vector<std::string>{"pub"});  // still loaded
}

TEST_F(ModuleServerTest, ErrorFromAModuleIsOnlyLogged) {
  connect("pub");
  const std::size_t before = repliesTo("pub");
  send("pub", ipc::errorEnvelope(v1::ERROR_CODE_INTERNAL, "handler blew up"));
  EXPECT_EQ(repliesTo("pub"), before);  // never answered: errors must not ping-pong
  EXPECT_EQ(stats("pub").rejected(), 0u);
  EXPECT_EQ(stats("pub").decode_errors(), 0u);
}

TEST_F(ModuleServerTest, AckBeyondWhatWasSentIsRejected) {
  connect("sub", {v1::EVENT_TYPE_NEW_BLOCK});
  v1::Envelope ack = stamped();
  ack.mutable_ack()->set_through_seq(7);
  send("sub", ack);
  expectError(last("sub"), v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(stats("sub").rejected(), 1u);
}

TEST_F(ModuleServerTest, UnreachableModuleIsReportedToTheRegistry) {
  transport.envelopeStatus = SendStatus::Unreachable;
  send("pub", handshakeEnvelope("pub"));
  EXPECT_EQ(registry.unreachable, std::vector<std::string>{"pub"});
}

// The previous incarnation's Goodbye (or any message) read after the next one was spawned: the
// same routing id, another process. Answering it would reach no one (unreachable: the node
// would kill the new incarnation as "connection lost") or the new one, which did not ask.
TEST_F(ModuleServerTest, AMessageFromAPreviousProcessOfTheModuleIsDroppedUnanswered) {
  registry.pids["sub"] = 200;  // the new incarnation, spawned, not connected yet
  transport.envelopeStatus = SendStatus::Unreachable;
  v1::Envelope goodbye = stamped();
  goodbye.mutable_goodbye()->set_reason("stopping");
  send(server, "sub", goodbye, 100);
  send(server, "sub", statsEnvelope(1), 100);
  EXPECT_EQ(repliesTo("sub"), 0u);
  EXPECT_EQ(registry.callCount(), 0u);  // no traffic, no goodbye, nothing unreachable

  // The current process is served as always.
  transport.envelopeStatus = SendStatus::Sent;
  send(server, "sub", handshakeEnvelope("sub"), 200);
  EXPECT_TRUE(last("sub").has_handshake_ack());
  EXPECT_EQ(registry.handshakes, std::vector<std::string>{"sub"});
}

}  // namespace
}  // namespace plexus::host::module_link_test
