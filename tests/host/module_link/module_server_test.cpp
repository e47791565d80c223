// ModuleServer driven through handle() with a fake transport and a fake registry over a real
// EventManager: authentication check, malformed input, version refusal, handshake, subscribe,
// publish permissions and stamping, stats, rate limiting, goodbye. Every reply is decoded
// from the bytes the transport was given.

#include "module_link/module_server.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/protocol.h"
#include "plexus/version.h"

namespace plexus::host {
namespace {

struct SentEvent {
  std::string moduleId;
  v1::Lane lane;
  std::uint64_t seq;
  std::string body;
};

// Records what the server and the EventManager send; envelopes are kept encoded, as they
// would travel, and decoded on inspection.
class FakeTransport : public ModuleTransport {
 public:
  SendStatus sendEnvelope(const std::string& moduleId, const v1::Envelope& envelope) override {
    zmq::message_t frame = ipc::encodeEnvelope(envelope);
    m_envelopes.emplace_back(moduleId, std::string(frame.data<char>(), frame.size()));
    return envelopeStatus;
  }
  SendStatus sendEvents(const std::string& moduleId, v1::Lane lane,
                        std::span<const ipc::OutgoingEvent> events) override {
    for (const auto& e : events) {
      m_events.push_back({moduleId, lane, e.seq, std::string(e.body->view())});
    }
    return SendStatus::Sent;
  }

  std::vector<v1::Envelope> envelopesTo(const std::string& moduleId) const {
    std::vector<v1::Envelope> out;
    for (const auto& [id, bytes] : m_envelopes) {
      if (id != moduleId) continue;
      v1::Envelope envelope;
      auto status = ipc::decodeEnvelope(bytes.data(), bytes.size(), envelope);
      EXPECT_TRUE(status.ok()) << "the server sent an undecodable envelope";
      out.push_back(envelope);
    }
    return out;
  }
  std::size_t envelopeCount() const { return m_envelopes.size(); }
  // Event-lane events delivered to `moduleId`, parsed.
  std::vector<v1::Event> eventsTo(const std::string& moduleId, v1::Lane lane) const {
    std::vector<v1::Event> out;
    for (const auto& sent : m_events) {
      if (sent.moduleId != moduleId || sent.lane != lane) continue;
      v1::Event event;
      EXPECT_TRUE(event.ParseFromString(sent.body));
      out.push_back(event);
    }
    return out;
  }

  SendStatus envelopeStatus = SendStatus::Sent;

 private:
  std::vector<std::pair<std::string, std::string>> m_envelopes;
  std::vector<SentEvent> m_events;
};

// Stands in for the Supervisor: records every call and, like it, attaches the module to the
// EventManager when its handshake is accepted.
class FakeRegistry : public ModuleRegistry {
 public:
  explicit FakeRegistry(EventManager& events) : m_events(events) {}

  Result<HandshakeGrant> onHandshake(const std::string& moduleId,
                                     const v1::Handshake& handshake) override {
    handshakes.push_back(moduleId);
    if (refusal) return *refusal;
    ModuleAttachment attachment;
    attachment.moduleId = moduleId;
    attachment.name = handshake.name();
    attachment.version = handshake.version();
    attachment.incarnation = grant.incarnation;
    attachment.capacity = grant.capacity;
    m_events.attach(attachment);
    handshaken.insert(moduleId);
    return grant;
  }
  void onHandshakeRefused(const std::string& moduleId, const std::string& reason) override {
    refused.emplace_back(moduleId, reason);
  }
  void onReady(const std::string& moduleId) override { ready.push_back(moduleId); }
  void onTraffic(const std::string& moduleId) override { traffic.push_back(moduleId); }
  void onGoodbye(const std::string& moduleId, const std::string& reason) override {
    goodbyes.emplace_back(moduleId, reason);
  }
  void onUnreachable(const std::string& moduleId) override { unreachable.push_back(moduleId); }
  bool isHandshaken(const std::string& moduleId) const override {
    return handshaken.contains(moduleId);
  }
  bool isRunning(const std::string& moduleId) const override { return running.contains(moduleId); }
  const v1::ModuleConfig* moduleConfig(const std::string& moduleId) const override {
    auto it = configs.find(moduleId);
    return it == configs.end() ? nullptr : &it->second;
  }

  std::size_t callCount() const {
    return handshakes.size() + refused.size() + ready.size() + traffic.size() + goodbyes.size() +
           unreachable.size();
  }

  HandshakeGrant grant;
  std::optional<Error> refusal;
  std::set<std::string> handshaken;
  std::set<std::string> running;  // spawned and no exit seen yet
  std::map<std::string, v1::ModuleConfig> configs;

  std::vector<std::string> handshakes;
  std::vector<std::pair<std::string, std::string>> refused;
  std::vector<std::string> ready;
  std::vector<std::string> traffic;
  std::vector<std::pair<std::string, std::string>> goodbyes;
  std::vector<std::string> unreachable;

 private:
  EventManager& m_events;
};

v1::Envelope stamped() {
  v1::Envelope envelope;
  ipc::stampVersion(envelope);
  return envelope;
}

v1::Envelope handshakeEnvelope(const std::string& moduleId) {
  v1::Envelope envelope = stamped();
  auto* handshake = envelope.mutable_handshake();
  handshake->set_module_id(moduleId);
  handshake->set_name(moduleId + " module");
  handshake->set_version("0.1.0");
  handshake->set_sdk_version("0.1.0");
  return envelope;
}

v1::Envelope subscribeEnvelope(std::initializer_list<v1::EventType> types) {
  v1::Envelope envelope = stamped();
  auto* subscribe = envelope.mutable_subscribe();
  for (auto type : types)
    subscribe->add_types(type);
  return envelope;
}

v1::Event newBlock(std::uint64_t height) {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_NEW_BLOCK);
  event.mutable_new_block()->set_hash("00ff");
  event.mutable_new_block()->set_height(height);
  return event;
}

v1::Envelope publishEnvelope(std::uint64_t correlationId, const v1::Event& event) {
  v1::Envelope envelope = stamped();
  envelope.mutable_request()->set_correlation_id(correlationId);
  *envelope.mutable_request()->mutable_publish()->mutable_event() = event;
  return envelope;
}

v1::Envelope statsEnvelope(std::uint64_t correlationId) {
  v1::Envelope envelope = stamped();
  envelope.mutable_request()->set_correlation_id(correlationId);
  envelope.mutable_request()->mutable_stats();
  return envelope;
}

class ModuleServerTest : public ::testing::Test {
 protected:
  ModuleServerTest() {
    registry.grant.capacity = 16;
    registry.grant.incarnation = 3;
    registry.grant.heartbeatIntervalMs = 250;
    registry.grant.settings = {{"blocks_per_s", "2"}, {"mode", "fast"}};

    v1::ModuleConfig publisher;
    publisher.set_name("pub");
    publisher.mutable_capabilities()->add_publish(v1::EVENT_TYPE_NEW_BLOCK);
    registry.configs["pub"] = publisher;
    v1::ModuleConfig subscriber;
    subscriber.set_name("sub");
    registry.configs["sub"] = subscriber;  // may publish nothing
    registry.running = {"pub", "sub"};
  }

  void send(ModuleServer& to, const std::string& moduleId, const v1::Envelope& envelope) {
    std::vector<zmq::message_t> frames;
    frames.push_back(ipc::encodeEnvelope(envelope));
    to.handle(moduleId, moduleId, frames);
  }
  void send(const std::string& moduleId, const v1::Envelope& envelope) {
    send(server, moduleId, envelope);
  }
  void sendRaw(const std::string& moduleId, std::vector<std::string> rawFrames) {
    std::vector<zmq::message_t> frames;
    for (const auto& raw : rawFrames)
      frames.emplace_back(raw.data(), raw.size());
    server.handle(moduleId, moduleId, frames);
  }

  // Handshake and first Subscribe, as the SDK's run() does.
  void connect(const std::string& moduleId, std::initializer_list<v1::EventType> types = {}) {
    send(moduleId, handshakeEnvelope(moduleId));
    send(moduleId, subscribeEnvelope(types));
    ASSERT_TRUE(last(moduleId).has_subscribe_ack()) << last(moduleId).DebugString();
  }

  v1::Envelope last(const std::string& moduleId) const {
    auto envelopes = transport.envelopesTo(moduleId);
    EXPECT_FALSE(envelopes.empty()) << "nothing was sent to " << moduleId;
    return envelopes.empty() ? v1::Envelope() : envelopes.back();
  }
  std::size_t repliesTo(const std::string& moduleId) const {
    return transport.envelopesTo(moduleId).size();
  }
  void expectError(const v1::Envelope& reply, v1::ErrorCode code, std::uint64_t correlationId = 0) {
    ASSERT_TRUE(reply.has_error()) << reply.DebugString();
    EXPECT_EQ(reply.error().code(), code) << reply.error().message();
    EXPECT_EQ(reply.error().correlation_id(), correlationId);
    EXPECT_FALSE(reply.error().message().empty());
    EXPECT_EQ(reply.protocol_major(), ipc::kProtocolMajor);
  }
  v1::DeliveryStats stats(const std::string& moduleId) const {
    auto s = em.stats(moduleId);
    EXPECT_TRUE(s.has_value()) << moduleId;
    return s.value_or(v1::DeliveryStats());
  }

  FakeTransport transport;
  EventManager em{transport, EventManager::Options()};
  FakeRegistry registry{em};
  ModuleServer server{transport, em, registry, ModuleServer::Limits()};
};

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

}  // namespace
}  // namespace plexus::host
