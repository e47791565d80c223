#include "control/tail_sessions.h"

#include <vector>

#include "plexus/ipc/event_types.h"
#include "runtime/logging.h"

namespace plexus::host {

namespace {
constexpr std::string_view kTapPrefix = "tail:";  // never a valid module id
}

TailSessions::TailSessions(EventManager& events, ControlServer& control, std::uint32_t capacity)
    : m_events(events), m_control(control), m_capacity(capacity) {}

bool TailSessions::isTap(const std::string& subscriberId) {
  return subscriberId.rfind(kTapPrefix, 0) == 0;
}

bool TailSessions::handle(const std::string& clientId, const v1::ControlRequest& request) {
  auto session = m_tapByClient.find(clientId);
  switch (request.body_case()) {
    case v1::ControlRequest::kTail: {
      if (session != m_tapByClient.end()) end(session->second);
      std::vector<v1::EventType> types;
      for (int t : request.tail().types()) {
        if (!ipc::isValidEventType(t)) {
          m_control.replyError(clientId, request.correlation_id(),
                               makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                                         "tail: " + std::to_string(t) + " is not an event type"));
          return true;
        }
        types.push_back(static_cast<v1::EventType>(t));
      }
      if (types.empty()) types = ipc::allEventTypes();
      ModuleAttachment tap;
      tap.moduleId = std::string(kTapPrefix) + std::to_string(m_next++);
      tap.capacity = m_capacity;
      tap.policy = DeliveryPolicy::Drop;
      tap.tap = true;
      m_events.attach(tap);
      (void)m_events.subscribe(tap.moduleId, types);
      m_tapByClient[clientId] = tap.moduleId;
      m_clientByTap[tap.moduleId] = clientId;
      logger("control")->info("tail session {} started ({} event type(s))", tap.moduleId,
                              types.size());
      return true;
    }
    case v1::ControlRequest::kTailAck:
      if (session != m_tapByClient.end()) {
        (void)m_events.ack(session->second, request.tail_ack().through_seq());
      }
      return true;
    case v1::ControlRequest::kTailStop: {
      if (session != m_tapByClient.end()) end(session->second);
      // Answered after the session ended, so a client that waits for it knows no event follows.
      v1::ControlResponse stopped;
      stopped.set_correlation_id(request.correlation_id());
      stopped.mutable_tail_stopped();
      m_control.reply(clientId, std::move(stopped));
      return true;
    }
    default:
      return false;
  }
}

SendStatus TailSessions::sendEvents(const std::string& tapId, v1::Lane lane,
                                    std::span<const ipc::OutgoingEvent> events) {
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
    batch->add_bodies(event.body->data(), event.body->size());
  }
  return m_control.send(client->second, std::move(response));
}

void TailSessions::probe() {
  std::vector<std::string> gone;
  for (const auto& [tapId, clientId] : m_clientByTap) {
    v1::ControlResponse keepalive;
    keepalive.mutable_tail_events()->set_lane(v1::LANE_EVENT);
    if (m_control.send(clientId, std::move(keepalive)) == SendStatus::Unreachable) {
      gone.push_back(tapId);
    }
  }
  for (auto& tapId : gone) {
    logger("control")->info("tail session {}: its client is gone", tapId);
    end(std::move(tapId));
  }
}

void TailSessions::end(std::string tapId) {
  auto client = m_clientByTap.find(tapId);
  if (client == m_clientByTap.end()) return;
  m_events.detach(tapId);
  m_tapByClient.erase(client->second);
  m_clientByTap.erase(client);
  logger("control")->info("tail session {} ended", tapId);
}

}  // namespace plexus::host
