#include "control/tail_sessions.h"

#include <vector>

#include "filter/filter.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"
#include "runtime/logging.h"

namespace plexus::host {

namespace {
constexpr std::string_view kTapPrefix = "tail:";  // never a valid module id
}

TailSessions::TailSessions(EventLoop& loop, EventManager& events, ControlReplier& replier,
                           std::chrono::milliseconds probeInterval, std::uint32_t capacity)
    : m_loop(loop),
      m_events(events),
      m_replier(replier),
      m_probeInterval(probeInterval),
      m_capacity(capacity) {}

TailSessions::~TailSessions() {
  if (m_probeTimer) m_loop.cancel(*m_probeTimer);
}

bool TailSessions::isTap(const std::string& subscriberId) {
  return subscriberId.rfind(kTapPrefix, 0) == 0;
}

void TailSessions::start() {
  PLEXUS_ASSERT_THREAD(m_thread);
  scheduleProbe();
}

void TailSessions::scheduleProbe() {
  m_probeTimer = m_loop.runAfter(m_probeInterval, [this] {
    probe();
    scheduleProbe();
  });
}

std::vector<v1::ControlRequest::BodyCase> TailSessions::bodies() const {
  return {v1::ControlRequest::kTail, v1::ControlRequest::kTailAck, v1::ControlRequest::kTailStop};
}

void TailSessions::handle(const std::string& clientId, const v1::ControlRequest& request) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto session = m_tapByClient.find(clientId);
  switch (request.body_case()) {
    case v1::ControlRequest::kTail:
      if (session != m_tapByClient.end()) end(session->second);
      startSession(clientId, request);
      return;
    case v1::ControlRequest::kTailAck:
      if (session != m_tapByClient.end()) {
        (void)m_events.ack(session->second, request.tail_ack().through_seq());
      }
      return;
    case v1::ControlRequest::kTailStop: {
      if (session != m_tapByClient.end()) end(session->second);
      // Answered after the session ended, so a client that waits for it knows no event follows.
      v1::ControlResponse stopped = responseTo(request);
      stopped.mutable_tail_stopped();
      m_replier.reply(clientId, std::move(stopped));
      return;
    }
    default:
      return;  // not routed here
  }
}

void TailSessions::startSession(const std::string& clientId, const v1::ControlRequest& request) {
  std::vector<v1::EventType> types;
  for (int t : request.tail().types()) {
    if (!ipc::isValidEventType(t)) {
      m_replier.replyError(clientId, request.correlation_id(),
                           makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                                     "tail: " + std::to_string(t) + " is not an event type"));
      return;
    }
    types.push_back(static_cast<v1::EventType>(t));
  }
  // A filter applies to each type given, and must compile for each (docs/filters.md).
  std::vector<FilterRequest> filters;
  if (const std::string& filter = request.tail().filter(); !filter.empty()) {
    auto refuse = [&](const std::string& why) {
      m_replier.replyError(clientId, request.correlation_id(),
                           makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "tail --filter: " + why));
    };
    if (types.empty()) return refuse("name the event types it applies to (--type)");
    for (v1::EventType type : types) {
      if (ipc::isLifecycleLane(type)) {
        return refuse(ipc::displayName(type) + " is a lifecycle event and takes no filter");
      }
      auto compiled = filter::compileEventFilter(filter, type);
      if (!compiled.filter) {
        return refuse(ipc::displayName(type) + ": " + filter::describe(compiled.error));
      }
      filters.push_back({type, filter, std::move(compiled.filter)});
    }
  }
  if (types.empty()) types = ipc::allEventTypes();
  ModuleAttachment tap;
  tap.moduleId = std::string(kTapPrefix) + std::to_string(m_next++);
  tap.capacity = m_capacity;
  tap.policy = DeliveryPolicy::Drop;
  tap.tap = true;
  tap.offsets = request.protocol_minor() >= ipc::kMinorOffsets;  // what the client can read
  m_events.attach(tap);
  (void)m_events.subscribe(tap.moduleId, types, filters);
  m_tapByClient[clientId] = tap.moduleId;
  m_clientByTap[tap.moduleId] = clientId;
  logger("control")->info("tail session {} started ({} event type(s))", tap.moduleId, types.size());
}

SendStatus TailSessions::sendEvents(const std::string& tapId, v1::Lane lane,
                                    std::span<const ipc::OutgoingEvent> events) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto client = m_clientByTap.find(tapId);
  if (client == m_clientByTap.end()) return SendStatus::Unreachable;
  v1::ControlResponse response;
  auto* batch = response.mutable_tail_events();
  batch->set_lane(lane);
  for (const auto& event : events) {
    auto* meta = batch->add_events();
    meta->set_seq(event.seq);
    meta->set_dropped_before(event.droppedBefore);
    meta->set_size(static_cast<std::uint32_t>(event.body->size()));
    meta->set_offset(event.offset);  // 0 (absent) unless journaled, and the client reads 1.4
    batch->add_bodies(event.body->data(), event.body->size());
  }
  return m_replier.send(client->second, std::move(response));
}

void TailSessions::probe() {
  PLEXUS_ASSERT_THREAD(m_thread);
  std::vector<std::string> gone;
  for (const auto& [tapId, clientId] : m_clientByTap) {
    v1::ControlResponse keepalive;
    keepalive.mutable_tail_events()->set_lane(v1::LANE_EVENT);
    if (m_replier.send(clientId, std::move(keepalive)) == SendStatus::Unreachable) {
      gone.push_back(tapId);
    }
  }
  for (auto& tapId : gone) {
    logger("control")->info("tail session {}: its client is gone", tapId);
    end(std::move(tapId));
  }
}

void TailSessions::end(std::string tapId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto client = m_clientByTap.find(tapId);
  if (client == m_clientByTap.end()) return;
  m_events.removeTap(tapId);  // leaves nothing behind: no slot, no statistics
  m_tapByClient.erase(client->second);
  m_clientByTap.erase(client);
  logger("control")->info("tail session {} ended", tapId);
}

}  // namespace plexus::host
