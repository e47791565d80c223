#pragma once

// The fixture of the ModuleServer unit tests: the server over a FakeTransport, a FakeRegistry
// and a real EventManager, with builders for what a module sends. Every reply is decoded from
// the bytes the transport was given.
// Thread rule: the test's thread.

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "delivery/event_manager.h"
#include "fake_module_transport.h"
#include "module_link/module_registry.h"
#include "module_link/module_server.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/protocol.h"

namespace plexus::host::module_link_test {

// Stands in for the Supervisor: records every call and, like it, attaches the module to the
// EventManager when its handshake is accepted.
class FakeRegistry : public ModuleRegistry {
 public:
  explicit FakeRegistry(EventManager& events) : m_events(events) {}

  Result<HandshakeGrant> onHandshake(const std::string& moduleId, const v1::Handshake& handshake,
                                     std::uint32_t negotiatedMinor) override {
    minors.push_back(negotiatedMinor);
    handshakes.push_back(moduleId);
    if (refusal) return *refusal;
    ModuleAttachment attachment;
    attachment.moduleId = moduleId;
    attachment.name = handshake.name();
    attachment.version = handshake.version();
    attachment.incarnation = grant.incarnation;
    attachment.capacity = grant.capacity;
    if (negotiatedMinor >= ipc::kMinorLanes) attachment.criticalCapacity = grant.criticalCapacity;
    attachment.offsets = negotiatedMinor >= ipc::kMinorOffsets;
    if (blockPolicy.contains(moduleId)) attachment.policy = DeliveryPolicy::Block;
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
  bool isCurrentProcess(const std::string& moduleId, int pid) const override {
    auto it = pids.find(moduleId);
    return it == pids.end() || it->second == pid;
  }
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
  std::set<std::string> running;      // spawned and no exit seen yet
  std::set<std::string> blockPolicy;  // attached with the block policy (else drop)
  std::map<std::string, int> pids;    // the current process, where a test models it
  std::map<std::string, v1::ModuleConfig> configs;

  std::vector<std::string> handshakes;
  std::vector<std::uint32_t> minors;   // the negotiated minor of each handshake
  std::uint32_t criticalCapacity = 0;  // critical slots of modules at 1.3 and later
  std::vector<std::pair<std::string, std::string>> refused;
  std::vector<std::string> ready;
  std::vector<std::string> traffic;
  std::vector<std::pair<std::string, std::string>> goodbyes;
  std::vector<std::string> unreachable;

 private:
  EventManager& m_events;
};

inline v1::Envelope stamped() {
  v1::Envelope envelope;
  ipc::stampVersion(envelope);
  return envelope;
}

inline v1::Envelope handshakeEnvelope(const std::string& moduleId) {
  v1::Envelope envelope = stamped();
  auto* handshake = envelope.mutable_handshake();
  handshake->set_module_id(moduleId);
  handshake->set_name(moduleId + " module");
  handshake->set_version("0.1.0");
  handshake->set_sdk_version("0.1.0");
  return envelope;
}

inline v1::Envelope subscribeEnvelope(std::initializer_list<v1::EventType> types) {
  v1::Envelope envelope = stamped();
  auto* subscribe = envelope.mutable_subscribe();
  for (auto type : types)
    subscribe->add_types(type);
  return envelope;
}

inline v1::Event newBlock(std::uint64_t height) {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_NEW_BLOCK);
  event.mutable_new_block()->set_hash("00ff");
  event.mutable_new_block()->set_height(height);
  return event;
}

inline v1::Envelope publishEnvelope(std::uint64_t correlationId, const v1::Event& event) {
  v1::Envelope envelope = stamped();
  envelope.mutable_request()->set_correlation_id(correlationId);
  *envelope.mutable_request()->mutable_publish()->mutable_event() = event;
  return envelope;
}

inline v1::Envelope ackEnvelope(std::uint64_t throughSeq) {
  v1::Envelope envelope = stamped();
  envelope.mutable_ack()->set_through_seq(throughSeq);
  return envelope;
}

inline v1::Envelope statsEnvelope(std::uint64_t correlationId) {
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

  void send(ModuleServer& to, const std::string& moduleId, const v1::Envelope& envelope,
            int peerPid = 0) {
    std::vector<zmq::message_t> frames;
    frames.push_back(ipc::encodeEnvelope(envelope));
    to.handle(moduleId, moduleId, frames, peerPid);
  }
  void send(const std::string& moduleId, const v1::Envelope& envelope) {
    send(server, moduleId, envelope);
  }
  void sendRaw(const std::string& moduleId, const std::vector<std::string>& rawFrames) {
    std::vector<zmq::message_t> frames;
    frames.reserve(rawFrames.size());
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
  EventManager em{transport, [] {
                    EventManager::Options options;
                    options.nodeName = "node-a";  // a relayed origin naming it is a loop
                    return options;
                  }()};
  FakeRegistry registry{em};
  ModuleServer server{transport, em, registry, ModuleServer::Limits()};
};

}  // namespace plexus::host::module_link_test
