#include "module_link/module_server.h"

#include <unistd.h>

#include <algorithm>

#include "delivery/event_factory.h"
#include "delivery/publish_check.h"
#include "delivery/publish_outcome.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"
#include "plexus/ipc/publish_answer.h"
#include "plexus/version.h"
#include "runtime/logging.h"

namespace plexus::host {

namespace {

v1::Envelope stamped() {
  v1::Envelope envelope;
  ipc::stampVersion(envelope);
  return envelope;
}

std::vector<v1::EventType> typesOf(const google::protobuf::RepeatedField<int>& wire) {
  std::vector<v1::EventType> types;
  types.reserve(static_cast<std::size_t>(wire.size()));
  for (int t : wire)
    types.push_back(static_cast<v1::EventType>(t));
  return types;
}

}  // namespace

ModuleServer::ModuleServer(ModuleTransport& transport, EventManager& events,
                           ModuleRegistry& registry, Limits limits)
    : m_transport(transport),
      m_events(events),
      m_registry(registry),
      m_limits(limits),
      m_warnings(logger("modules"), std::chrono::seconds(5)) {}

void ModuleServer::send(const std::string& moduleId, const v1::Envelope& envelope) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (m_transport.sendEnvelope(moduleId, envelope) == SendStatus::Unreachable) {
    m_registry.onUnreachable(moduleId);
  }
}

void ModuleServer::malformed(const std::string& moduleId, const std::string& why,
                             std::uint64_t correlationId) {
  m_events.countDecodeError(moduleId);
  m_warnings.warn(moduleId + "/malformed",
                  [&] { return "module '" + moduleId + "' sent a malformed message: " + why; });
  send(moduleId, ipc::errorEnvelope(v1::ERROR_CODE_MALFORMED, why, correlationId));
}

void ModuleServer::reject(const std::string& moduleId, const Error& error,
                          std::uint64_t correlationId) {
  m_events.countRejected(moduleId);
  m_warnings.warn(moduleId + "/rejected",
                  [&] { return "module '" + moduleId + "': request refused: " + error.message; });
  send(moduleId, ipc::errorEnvelope(error.code, error.message, correlationId));
}

bool ModuleServer::allowRequest(const std::string& moduleId) {
  const auto now = std::chrono::steady_clock::now();
  const double rate = m_limits.requestsPerSecond;
  Bucket& bucket = m_buckets[moduleId];
  if (!bucket.initialized) {
    bucket.tokens = rate;
    bucket.refilled = now;
    bucket.initialized = true;
  }
  const double elapsed = std::chrono::duration<double>(now - bucket.refilled).count();
  bucket.tokens = std::min(rate, bucket.tokens + elapsed * rate);
  bucket.refilled = now;
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

void ModuleServer::handle(const std::string& routingId, std::string_view userId,
                          std::span<zmq::message_t> frames, int peerPid) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (userId != routingId) {
    // ZAP sets User-Id = module id; anything else did not come through our authentication.
    m_warnings.warn("user-id/" + routingId, [&] {
      return "dropped a message from routing id '" + routingId + "' authenticated as '" +
             std::string(userId) + "'";
    });
    return;
  }
  if (peerPid != 0 && !m_registry.isCurrentProcess(routingId, peerPid)) {
    logger("modules")->debug("dropped a message from pid {}, no longer module '{}''s process",
                             peerPid, routingId);
    return;
  }
  m_registry.onTraffic(routingId);
  if (frames.size() != 1) {
    malformed(routingId,
              "expected 1 frame after the routing id, got " + std::to_string(frames.size()));
    return;
  }
  if (auto status = ipc::decodeEnvelope(frames[0], m_scratch); !status) {
    malformed(routingId, status.error().message);
    return;
  }
  if (m_scratch.protocol_major() != ipc::kProtocolMajor) {
    std::string why = "protocol " + std::to_string(m_scratch.protocol_major()) + "." +
                      std::to_string(m_scratch.protocol_minor()) +
                      " is not supported: this node speaks " + ipc::protocolVersionString() +
                      " (same major required)";
    if (m_scratch.has_handshake()) m_registry.onHandshakeRefused(routingId, why);
    reject(routingId, makeError(v1::ERROR_CODE_UNSUPPORTED_VERSION, why),
           m_scratch.has_request() ? m_scratch.request().correlation_id() : 0);
    return;
  }
  dispatch(routingId, m_scratch);
}

void ModuleServer::dispatch(const std::string& moduleId, const v1::Envelope& envelope) {
  using Body = v1::Envelope::BodyCase;
  const Body body = envelope.body_case();
  if (body == Body::kHandshake) {
    handleHandshake(moduleId, envelope);
    return;
  }
  if (!m_registry.isHandshaken(moduleId)) {
    if (!m_registry.isRunning(moduleId)) {
      // The incarnation is gone (its exit was seen first): what it sent last is moot.
      logger("modules")->debug("module '{}' is not running: dropped a late message", moduleId);
      return;
    }
    reject(moduleId,
           makeError(v1::ERROR_CODE_NOT_HANDSHAKEN, "send a Handshake before anything else"),
           body == Body::kRequest ? envelope.request().correlation_id() : 0);
    return;
  }
  // Credit and liveness always flow; everything else is a request and is rate limited.
  if (body != Body::kAck && body != Body::kHeartbeat && body != Body::kGoodbye &&
      !allowRequest(moduleId)) {
    reject(moduleId,
           makeError(
               v1::ERROR_CODE_RATE_LIMITED,
               "more than " + std::to_string(m_limits.requestsPerSecond) + " requests per second"),
           body == Body::kRequest ? envelope.request().correlation_id() : 0);
    return;
  }
  switch (body) {
    case Body::kSubscribe:
      handleSubscribe(moduleId, envelope.subscribe());
      return;
    case Body::kUnsubscribe: {
      auto remaining = m_events.unsubscribe(moduleId, typesOf(envelope.unsubscribe().types()));
      if (!remaining) {
        reject(moduleId, remaining.error());
        return;
      }
      sendSubscribeAck(moduleId, *remaining);
      return;
    }
    case Body::kAck:
      if (auto status = m_events.ack(moduleId, envelope.ack().through_seq(), envelope.ack().lane());
          !status) {
        reject(moduleId, status.error());
      }
      return;
    case Body::kHeartbeat:
      return;  // traffic was noted
    case Body::kRequest:
      handleRequest(moduleId, envelope.request());
      return;
    case Body::kGoodbye:
      m_registry.onGoodbye(moduleId, envelope.goodbye().reason());
      return;
    case Body::kError: {
      // Braced: clang 14 lets this statement's logger temporary leak into the switch scope
      // (llvm/llvm-project#60709), so `default` would destroy it without constructing it.
      logger("modules")->warn("module '{}' reports an error: {}", moduleId,
                              envelope.error().message());
      return;
    }
    default:
      malformed(moduleId, "a module may not send this message (envelope body " +
                              std::to_string(static_cast<int>(body)) + ")");
      return;
  }
}

// Filters (since 1.2) are refused from a module that negotiated an older minor: it could not
// read the refusals of its SubscribeAck. A refused type counts as a rejected request.
void ModuleServer::handleSubscribe(const std::string& moduleId, const v1::Subscribe& subscribe) {
  auto peer = m_peers.find(moduleId);
  const std::uint32_t minor = peer == m_peers.end() ? 0 : peer->second.minor;
  if (subscribe.filters_size() > 0 && minor < ipc::kMinorFilters) {
    reject(moduleId,
           makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     "content filters need protocol " + std::to_string(ipc::kProtocolMajor) + "." +
                         std::to_string(ipc::kMinorFilters) + "; the module speaks " +
                         std::to_string(ipc::kProtocolMajor) + "." + std::to_string(minor)));
    return;
  }
  std::vector<FilterRequest> filters;
  filters.reserve(static_cast<std::size_t>(subscribe.filters_size()));
  for (const auto& f : subscribe.filters())
    filters.push_back({f.type(), f.expression()});
  auto outcome = m_events.subscribe(moduleId, typesOf(subscribe.types()), filters);
  if (!outcome) {
    reject(moduleId, outcome.error());
    return;
  }
  for (const SubscribeRefusal& refusal : outcome->refused) {
    m_events.countRejected(moduleId);
    m_warnings.warn(moduleId + "/filter", [&] {
      return "module '" + moduleId + "': subscription to " +
             (ipc::isValidEventType(refusal.type) ? ipc::displayName(refusal.type)
                                                  : std::to_string(refusal.type)) +
             " refused: " + refusal.reason;
    });
  }
  sendSubscribeAck(moduleId, outcome->subscribed, outcome->refused);
  if (outcome->loaded) m_registry.onReady(moduleId);
}

// The full set a module is now subscribed to (possibly empty: the body is set regardless), and
// what this Subscribe did not subscribe.
void ModuleServer::sendSubscribeAck(const std::string& moduleId,
                                    const std::vector<v1::EventType>& subscribed,
                                    const std::vector<SubscribeRefusal>& refused) {
  v1::Envelope ack = stamped();
  auto* body = ack.mutable_subscribe_ack();
  for (auto type : subscribed)
    body->add_types(type);
  for (const SubscribeRefusal& refusal : refused) {
    auto* out = body->add_refused();
    out->set_type(refusal.type);
    out->set_reason(refusal.reason);
    out->set_column(refusal.column);
  }
  send(moduleId, ack);
}

void ModuleServer::handleHandshake(const std::string& moduleId, const v1::Envelope& envelope) {
  const std::uint32_t minor = std::min(ipc::kProtocolMinor, envelope.protocol_minor());
  auto grant = m_registry.onHandshake(moduleId, envelope.handshake(), minor);
  if (!grant) {
    reject(moduleId, grant.error());
    return;
  }
  // A new incarnation: what its predecessors still wait for is not its business.
  m_peers[moduleId] = Peer{grant->incarnation, 0, minor};
  v1::Envelope reply = stamped();
  auto* ack = reply.mutable_handshake_ack();
  ack->set_negotiated_minor(minor);
  ack->mutable_node()->set_version(kPlexusVersion);
  ack->mutable_node()->set_pid(::getpid());
  ack->mutable_node()->set_name(m_events.nodeName());
  ack->set_channel_capacity(grant->capacity);
  if (minor >= ipc::kMinorLanes) ack->set_critical_capacity(grant->criticalCapacity);
  if (minor >= ipc::kMinorReplay && m_events.journals())
    ack->set_replay_capacity(replayLaneCapacity(grant->capacity));
  ack->set_heartbeat_interval_ms(grant->heartbeatIntervalMs);
  ack->set_incarnation(grant->incarnation);
  ack->mutable_settings()->insert(grant->settings.begin(), grant->settings.end());
  send(moduleId, reply);
}

void ModuleServer::handleRequest(const std::string& moduleId, const v1::Request& request) {
  switch (request.body_case()) {
    case v1::Request::kPublish:
      handlePublish(moduleId, request.correlation_id(), request.publish().event());
      return;
    case v1::Request::kStats: {
      v1::Envelope reply = stamped();
      reply.mutable_response()->set_correlation_id(request.correlation_id());
      auto stats = m_events.stats(moduleId);
      *reply.mutable_response()->mutable_stats() = stats.value_or(v1::DeliveryStats());
      reply.mutable_response()->mutable_stats()->set_module_id(moduleId);
      send(moduleId, reply);
      return;
    }
    case v1::Request::kReplay: {
      auto answer = m_events.requestReplay(moduleId, request.replay());
      if (!answer) {
        reject(moduleId, answer.error(), request.correlation_id());
        return;
      }
      v1::Envelope reply = stamped();
      reply.mutable_response()->set_correlation_id(request.correlation_id());
      *reply.mutable_response()->mutable_replay() = std::move(*answer);
      send(moduleId, reply);
      return;
    }
    default:
      malformed(moduleId, "request carries no known body", request.correlation_id());
      return;
  }
}

void ModuleServer::handlePublish(const std::string& moduleId, std::uint64_t correlationId,
                                 const v1::Event& received) {
  const v1::ModuleConfig* config = m_registry.moduleConfig(moduleId);
  if (config == nullptr) {  // no capabilities known: nothing is granted
    reject(moduleId,
           makeError(v1::ERROR_CODE_PERMISSION_DENIED, "module '" + moduleId + "' is unknown"),
           correlationId);
    return;
  }
  if (auto status = checkPublish(received, moduleId, config, m_events.nodeName()); !status) {
    reject(moduleId, status.error(), correlationId);
    return;
  }
  if (answeredDuplicate(moduleId, correlationId, received)) return;
  Peer& peer = m_peers[moduleId];
  if (peer.outstanding >= m_limits.maxOutstandingPublishes) {
    reject(moduleId,
           makeError(v1::ERROR_CODE_RATE_LIMITED,
                     "more than " + std::to_string(m_limits.maxOutstandingPublishes) +
                         " publishes waiting for block subscribers"),
           correlationId);
    return;
  }
  v1::Event event = received;
  stampEvent(event, moduleId);
  const std::uint64_t token = m_nextToken++;
  PendingPublish& pending = m_pendingPublishes[token];
  pending = {moduleId, peer.incarnation, correlationId, std::nullopt};
  if (event.has_origin()) {  // relayed (a local event has none): taken from here on
    m_relayed.take(event.origin().node(), event.origin().offset());
    pending.relayed.emplace(event.origin().node(), event.origin().offset());
  }
  ++peer.outstanding;
  // Resolved now unless it waits for block subscribers; then the EventManager calls back.
  if (auto report =
          m_events.publish(event.type(), serializeEvent(event),
                           {.waiter = this, .token = token, .source = PublishSource::Module})) {
    onPublishDone(token, *report);
  }
}

void ModuleServer::onPublishDone(std::uint64_t token, const PublishReport& report) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto it = m_pendingPublishes.find(token);
  if (it == m_pendingPublishes.end()) return;
  PendingPublish pending = std::move(it->second);
  m_pendingPublishes.erase(it);
  if (!report.published && pending.relayed) {
    m_relayed.release(pending.relayed->first, pending.relayed->second);
  }
  auto peer = m_peers.find(pending.moduleId);
  if (peer == m_peers.end() || peer->second.incarnation != pending.incarnation ||
      !m_registry.isHandshaken(pending.moduleId)) {
    // The incarnation that asked is gone: its answer must not reach a later one.
    logger("modules")->debug(
        "module '{}': dropped the answer to publish {} of incarnation {}, which is gone",
        pending.moduleId, pending.correlationId, pending.incarnation);
    return;
  }
  if (peer->second.outstanding > 0) --peer->second.outstanding;
  if (auto error = publishError(report, std::chrono::milliseconds(m_limits.blockTimeoutMs))) {
    v1::Envelope reply = ipc::errorEnvelope(error->code, error->message, pending.correlationId);
    if (error->publish != nullptr && peer->second.minor >= ipc::kMinorPublishAnswer) {
      *reply.mutable_error()->mutable_publish() = *error->publish;  // the full answer
    }
    send(pending.moduleId, reply);
    return;
  }
  v1::Envelope reply = stamped();
  reply.mutable_response()->set_correlation_id(pending.correlationId);
  auto* answer = reply.mutable_response()->mutable_publish();
  *answer = toProto(report);
  ipc::fitToMinor(*answer, peer->second.minor);
  send(pending.moduleId, reply);
}

}  // namespace plexus::host
