#pragma once

// The fakes around host::ModuleServer in module_server_fuzz: a transport that checks every
// envelope and event the node sends instead of sending it, and a registry with the Supervisor's
// handshake rules. Thread rule: single-threaded, like the fuzz run that owns them.

#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "delivery/event_manager.h"
#include "fuzz_support.h"
#include "module_link/module_server.h"
#include "module_server_script.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/event_batch_codec.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"
#include "plexus/ipc/result.h"

namespace plexus::fuzz {

class FuzzTransport final : public host::ModuleTransport {
 public:
  host::SendStatus sendEnvelope(const std::string& moduleId,
                                const v1::Envelope& envelope) override {
    PLEXUS_FUZZ_CHECK(envelope.protocol_major() == ipc::kProtocolMajor &&
                          envelope.body_case() != v1::Envelope::BODY_NOT_SET,
                      "an envelope to '" + moduleId + "' is unstamped or empty");
    (void)ipc::encodeEnvelope(envelope);  // as it would travel
    Peer& peer = m_peers[moduleId];
    const std::uint64_t correlationId = envelope.has_response()
                                            ? envelope.response().correlation_id()
                                        : envelope.has_error() ? envelope.error().correlation_id()
                                                               : 0;
    if (envelope.has_response() || correlationId != 0) {
      // The SDK numbers requests from 1 in every process: an answer to a request this
      // incarnation never sent completes the wrong request.
      auto it = peer.requests.find(correlationId);
      PLEXUS_FUZZ_CHECK(it != peer.requests.end(),
                        "'" + moduleId + "' got an answer to request " +
                            std::to_string(correlationId) +
                            ", which this incarnation did not send (or got answered already)");
      peer.requests.erase(it);
    }
    if (tracing()) {
      std::fprintf(stderr, "    -> %s: %s\n", moduleId.c_str(),
                   envelope.ShortDebugString().c_str());
    }
    return peer.unreachable ? host::SendStatus::Unreachable : host::SendStatus::Sent;
  }

  host::SendStatus sendEvents(const std::string& moduleId, v1::Lane lane,
                              std::span<const ipc::OutgoingEvent> events) override {
    Peer& peer = m_peers[moduleId];
    PLEXUS_FUZZ_CHECK(!events.empty(), "an empty batch to '" + moduleId + "'");
    if (peer.unreachable) return host::SendStatus::Unreachable;
    if (lane != v1::LANE_LIFECYCLE && peer.wouldBlock) return host::SendStatus::WouldBlock;
    for (const ipc::OutgoingEvent& event : events) {
      const std::string what = " (module '" + moduleId + "', seq " + std::to_string(event.seq) +
                               ", lane " + std::to_string(lane) + ")";
      if (lane == v1::LANE_EVENT || lane == v1::LANE_CRITICAL) {
        // Each acked lane numbers its own events.
        std::uint64_t& last = lane == v1::LANE_EVENT ? peer.lastEventSeq : peer.lastCriticalSeq;
        PLEXUS_FUZZ_CHECK(lane == v1::LANE_EVENT || peer.criticalLane,
                          "a critical batch to a module without a critical lane" + what);
        PLEXUS_FUZZ_CHECK(event.seq > last, "acked-lane seq went back" + what);
        PLEXUS_FUZZ_CHECK(event.droppedBefore == event.seq - last - 1,
                          "dropped_before is not the gap" + what);
        last = event.seq;
      } else {
        PLEXUS_FUZZ_CHECK(lane == v1::LANE_LIFECYCLE, "unknown lane" + what);
        PLEXUS_FUZZ_CHECK(event.seq == peer.lastLifecycleSeq + 1 && event.droppedBefore == 0,
                          "lifecycle lane has a gap" + what);
        peer.lastLifecycleSeq = event.seq;
      }
      PLEXUS_FUZZ_CHECK(
          m_event.ParseFromArray(event.body->data(), static_cast<int>(event.body->size())),
          "delivered body is not an Event" + what);
      PLEXUS_FUZZ_CHECK(ipc::checkPayloadMatchesType(m_event).ok(),
                        "delivered event has the wrong payload" + what);
      PLEXUS_FUZZ_CHECK(ipc::isLifecycleLane(m_event.type()) == (lane == v1::LANE_LIFECYCLE),
                        ipc::displayName(m_event.type()) + " on the wrong lane" + what);
      if (m_event.has_module_loaded()) {
        const auto& loaded = m_event.module_loaded();
        PLEXUS_FUZZ_CHECK(peer.announced.emplace(loaded.module_id(), loaded.incarnation()).second,
                          "ModuleLoaded of '" + loaded.module_id() + "' incarnation " +
                              std::to_string(loaded.incarnation()) + " delivered twice" + what);
      }
    }
    if (tracing()) {
      std::fprintf(stderr, "    -> %s: %zu event(s) on lane %d, seqs %llu..%llu\n",
                   moduleId.c_str(), events.size(), static_cast<int>(lane),
                   static_cast<unsigned long long>(events.front().seq),
                   static_cast<unsigned long long>(events.back().seq));
    }
    m_frames.clear();
    m_encoder.encode(lane, events, m_frames);  // as the real transport does
    return host::SendStatus::Sent;
  }

  // The fuzz run hands messages to the server itself (handle()), not through the transport.
  bool receive(host::ReceivedMessage&) override { return false; }

  // A new process: a new connection, no requests yet.
  void connect(const std::string& moduleId) { m_peers[moduleId] = Peer{}; }
  // Its handshake attached it: both lanes start again.
  void attached(const std::string& moduleId, bool criticalLane) {
    Peer& peer = m_peers[moduleId];
    peer.lastEventSeq = peer.lastCriticalSeq = peer.lastLifecycleSeq = 0;
    peer.criticalLane = criticalLane;
    peer.announced.clear();
  }
  // The module sent `envelope` (authenticated, one frame): a request expects one answer.
  void sentByModule(const std::string& moduleId, const v1::Envelope& envelope) {
    if (envelope.has_request())
      m_peers[moduleId].requests.insert(envelope.request().correlation_id());
  }
  void toggleUnreachable(const std::string& moduleId) {
    m_peers[moduleId].unreachable = !m_peers[moduleId].unreachable;
  }
  void toggleWouldBlock(const std::string& moduleId) {
    m_peers[moduleId].wouldBlock = !m_peers[moduleId].wouldBlock;
  }
  std::uint64_t lastEventSeq(const std::string& moduleId) { return m_peers[moduleId].lastEventSeq; }
  std::uint64_t lastCriticalSeq(const std::string& moduleId) {
    return m_peers[moduleId].lastCriticalSeq;
  }

 private:
  struct Peer {
    bool unreachable = false;
    bool wouldBlock = false;
    std::uint64_t lastEventSeq = 0;
    std::uint64_t lastCriticalSeq = 0;
    std::uint64_t lastLifecycleSeq = 0;
    bool criticalLane = false;              // its incarnation negotiated 1.3 and has critical slots
    std::multiset<std::uint64_t> requests;  // correlation ids sent and not answered yet
    std::set<std::pair<std::string, std::uint64_t>> announced;  // ModuleLoaded received
  };
  std::map<std::string, Peer> m_peers;
  ipc::EventBatchEncoder m_encoder;
  std::vector<zmq::message_t> m_frames;
  v1::Event m_event;
};

// Stands in for the Supervisor with the same rules: a handshake is accepted once per running
// incarnation, attaches it to the EventManager with the module's configured capacity, policy and
// subscribe grants; an unreachable module is killed (its exit follows the current step).
class FuzzRegistry final : public host::ModuleRegistry {
 public:
  FuzzRegistry(host::EventManager& events, FuzzTransport& transport)
      : m_events(events), m_transport(transport) {
    v1::ModuleConfig& alpha = m_configs["alpha"];  // drop policy, publishes chain events
    alpha.set_name("alpha");
    alpha.set_channel_capacity(2);
    alpha.set_critical_capacity(1);
    alpha.mutable_capabilities()->add_publish(v1::EVENT_TYPE_NEW_BLOCK);
    alpha.mutable_capabilities()->add_publish(v1::EVENT_TYPE_NEW_TRANSACTION);
    alpha.mutable_capabilities()->add_publish(v1::EVENT_TYPE_CHAIN_REORG);
    (*alpha.mutable_settings())["mode"] = "fuzz";
    v1::ModuleConfig& beta = m_configs["beta"];  // block policy, restricted subscriptions
    beta.set_name("beta");
    beta.set_channel_capacity(1);
    beta.set_critical_capacity(1);
    beta.set_policy(v1::DELIVERY_POLICY_BLOCK);
    beta.mutable_capabilities()->add_publish(v1::EVENT_TYPE_NEW_BLOCK);
    for (auto type :
         {v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_NEW_TRANSACTION, v1::EVENT_TYPE_MODULE_LOADED,
          v1::EVENT_TYPE_DISK_SPACE_LOW, v1::EVENT_TYPE_HEALTH_CHECK}) {
      beta.mutable_capabilities()->add_subscribe(type);
    }
    // gamma has no configuration: the server must grant it nothing.
    for (const char* id : script::kModules)
      m_states[id];
  }

  Result<host::HandshakeGrant> onHandshake(const std::string& moduleId,
                                           const v1::Handshake& handshake,
                                           std::uint32_t negotiatedMinor) override {
    State& state = m_states[moduleId];
    if (!state.running) return makeError(v1::ERROR_CODE_NOT_FOUND, "not running");
    if (state.handshaken) return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "already done");
    if (handshake.module_id() != moduleId) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "names another module");
    }
    const v1::ModuleConfig* config = moduleConfig(moduleId);
    host::ModuleAttachment attachment;
    attachment.moduleId = moduleId;
    attachment.name = handshake.name().empty() ? moduleId : handshake.name();
    attachment.version = handshake.version();
    attachment.incarnation = state.incarnation;
    attachment.pid = 1000 + static_cast<int>(state.incarnation);
    attachment.capacity = config != nullptr ? config->channel_capacity() : 3;
    if (negotiatedMinor >= ipc::kMinorLanes) {
      attachment.criticalCapacity = config != nullptr ? config->critical_capacity() : 2;
    }
    attachment.offsets = negotiatedMinor >= ipc::kMinorOffsets;
    if (config != nullptr && config->policy() == v1::DELIVERY_POLICY_BLOCK) {
      attachment.policy = host::DeliveryPolicy::Block;
    }
    if (config != nullptr && config->capabilities().subscribe_size() > 0) {
      attachment.subscribeAllowed.reset();
      for (int type : config->capabilities().subscribe()) {
        attachment.subscribeAllowed.set(static_cast<std::size_t>(type));
      }
    }
    m_transport.attached(moduleId, attachment.criticalCapacity > 0);
    m_events.attach(attachment);
    state.handshaken = true;
    host::HandshakeGrant grant;
    grant.capacity = attachment.capacity;
    grant.incarnation = state.incarnation;
    grant.heartbeatIntervalMs = 100;
    if (config != nullptr)
      grant.settings.insert(config->settings().begin(), config->settings().end());
    return grant;
  }
  void onHandshakeRefused(const std::string&, const std::string&) override {}
  void onReady(const std::string& moduleId) override {
    PLEXUS_FUZZ_CHECK(m_states[moduleId].handshaken, "'" + moduleId + "' ready before handshake");
  }
  void onTraffic(const std::string&) override {}
  void onGoodbye(const std::string& moduleId, const std::string&) override {
    if (m_states[moduleId].running) m_events.beginStopping(moduleId);
  }
  void onUnreachable(const std::string& moduleId) override {
    if (m_states[moduleId].running) m_killed.insert(moduleId);
  }
  bool isHandshaken(const std::string& moduleId) const override {
    auto it = m_states.find(moduleId);
    return it != m_states.end() && it->second.handshaken;
  }
  bool isRunning(const std::string& moduleId) const override {
    auto it = m_states.find(moduleId);
    return it != m_states.end() && it->second.running;
  }
  const v1::ModuleConfig* moduleConfig(const std::string& moduleId) const override {
    auto it = m_configs.find(moduleId);
    return it == m_configs.end() ? nullptr : &it->second;
  }

  // The process exited (the supervisor's onExit): the EventManager detaches it.
  void exit(const std::string& moduleId) {
    State& state = m_states[moduleId];
    if (!state.running) return;
    state.running = state.handshaken = false;  // first, as the supervisor clears the pid first
    m_events.detach(moduleId);
  }
  // A restart: a new incarnation that has yet to handshake.
  void respawn(const std::string& moduleId) {
    State& state = m_states[moduleId];
    if (state.running) return;
    state.running = true;
    ++state.incarnation;
    m_transport.connect(moduleId);
  }
  std::set<std::string> takeKilled() { return std::exchange(m_killed, {}); }

 private:
  struct State {
    bool running = true;  // spawned, not handshaken yet
    bool handshaken = false;
    std::uint64_t incarnation = 1;
  };
  host::EventManager& m_events;
  FuzzTransport& m_transport;
  std::map<std::string, v1::ModuleConfig> m_configs;
  std::map<std::string, State> m_states;
  std::set<std::string> m_killed;
};

}  // namespace plexus::fuzz
