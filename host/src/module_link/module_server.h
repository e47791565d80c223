#pragma once

// ModuleServer: the host's side of the module wire protocol. Every message from the module
// ROUTER comes through handle():
// - the connection's ZAP User-Id must equal the routing id, else the message is dropped;
// - a message from a process that is no longer the module's current one (its previous
//   incarnation's last words, read after the next was spawned) is dropped: it is not traffic of
//   the new incarnation, gets no reply, and cannot make the node kill the new one as unreachable;
// - malformed frames are counted (decode_errors), answered with Error and a rate-limited
//   warning; the module stays connected and subscribed;
// - a protocol major other than ours: the handshake is refused (the module will not be
//   restarted); mid-session the message is answered with Error;
// - refused requests count as `rejected` and get an Error reply with the correlation id;
// - requests beyond the per-module rate get Error{RATE_LIMITED}.
// Publishes from a module are stamped (source = module id, publish times), serialized once and
// routed; the Response goes back once every block subscriber accepted, else an Error carrying
// the answer with who did not take the event and why (publish_outcome.h).
// A pending publish belongs to the incarnation that asked: its answer is sent only while that
// incarnation is still the module's connected one, never to a later incarnation (whose
// correlation ids start over) nor to a module between incarnations.
// A relayed publish (origin set, by a relay module) whose (origin.node, origin.offset) the node
// took already (RelayedOffsets, seeded from the journal's tail at start) is answered OK with
// `duplicate` set and is not routed, journaled or counted as published; it counts in
// relayedDuplicates() and a rate-limited warning (module_server_relay.cpp).
// Thread rule: loop thread only.

#include <plexus/v1/wire.pb.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "delivery/event_manager.h"
#include "delivery/relayed_offsets.h"
#include "journal/relayed_tail.h"
#include "module_link/module_registry.h"
#include "module_link/module_transport.h"
#include "plexus/ipc/thread_checker.h"
#include "runtime/rate_limited_log.h"

namespace plexus::host {

class ModuleServer final : public PublishWaiter {
 public:
  struct Limits {
    std::uint32_t requestsPerSecond = 10000;  // per module; burst of the same size
    std::uint32_t maxOutstandingPublishes = 64;
    std::uint64_t blockTimeoutMs = 1000;  // only for the error text
  };

  ModuleServer(ModuleTransport& transport, EventManager& events, ModuleRegistry& registry,
               Limits limits);

  // `peerPid`: the sending process (0: unknown, as in unit tests and fuzzers).
  void handle(const std::string& routingId, std::string_view userId,
              std::span<zmq::message_t> frames, int peerPid = 0);

  void onPublishDone(std::uint64_t token, const PublishReport& report) override;

  // The relayed events the journal held when the node started (Journal::takeRelayedAtStart):
  // taken, so their publishes again are duplicates. Before any module connects.
  void restoreRelayed(const std::vector<RelayedOrigin>& relayed);
  // Relayed publishes answered as duplicates since the node started.
  std::uint64_t relayedDuplicates() const { return m_relayedDuplicates; }

  // Sends an envelope to a module; an unreachable module is reported to the registry.
  void send(const std::string& moduleId, const v1::Envelope& envelope);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point refilled{};
    bool initialized = false;
  };
  struct PendingPublish {
    std::string moduleId;
    std::uint64_t incarnation = 0;  // of the module when it asked
    std::uint64_t correlationId = 0;
    // A relayed event's (origin node, offset), taken when handed over: released when the
    // publish published nothing, so that the relay's retry is not a duplicate.
    std::optional<std::pair<std::string, std::uint64_t>> relayed;
  };
  // The module's connected incarnation and the protocol minor negotiated in its handshake, and
  // its publishes still waiting.
  struct Peer {
    std::uint64_t incarnation = 0;
    std::uint32_t outstanding = 0;
    std::uint32_t minor = 0;
  };

  void dispatch(const std::string& moduleId, const v1::Envelope& envelope);
  void handleHandshake(const std::string& moduleId, const v1::Envelope& envelope);
  void handleSubscribe(const std::string& moduleId, const v1::Subscribe& subscribe);
  void sendSubscribeAck(const std::string& moduleId, const std::vector<v1::EventType>& subscribed,
                        const std::vector<SubscribeRefusal>& refused = {});
  void handleRequest(const std::string& moduleId, const v1::Request& request);
  void handlePublish(const std::string& moduleId, std::uint64_t correlationId,
                     const v1::Event& event);
  // True when `event` is relayed and its origin was taken: answered as a duplicate, or as
  // UNAVAILABLE while the publish that took it still waits for its outcome.
  bool answeredDuplicate(const std::string& moduleId, std::uint64_t correlationId,
                         const v1::Event& event);
  // Whether a publish of this relayed origin offset still waits for its outcome.
  bool stillPublishing(const v1::Origin& origin) const;
  void malformed(const std::string& moduleId, const std::string& why,
                 std::uint64_t correlationId = 0);
  void reject(const std::string& moduleId, const Error& error, std::uint64_t correlationId = 0);
  bool allowRequest(const std::string& moduleId);

  ModuleTransport& m_transport;
  EventManager& m_events;
  ModuleRegistry& m_registry;
  Limits m_limits;
  v1::Envelope m_scratch;
  std::unordered_map<std::string, Bucket> m_buckets;
  std::unordered_map<std::uint64_t, PendingPublish> m_pendingPublishes;
  std::unordered_map<std::string, Peer> m_peers;
  std::uint64_t m_nextToken = 1;
  RelayedOffsets m_relayed;
  std::uint64_t m_relayedDuplicates = 0;
  RateLimitedLog m_warnings;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
