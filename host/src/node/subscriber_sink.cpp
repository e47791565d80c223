#include "node/subscriber_sink.h"

namespace plexus::host {

void SubscriberSink::setOwners(ModuleRegistry& registry, TailSessions& tails) {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_registry = &registry;
  m_tails = &tails;
}

SendStatus SubscriberSink::sendEvents(const std::string& subscriberId, v1::Lane lane,
                                      std::span<const ipc::OutgoingEvent> events) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (m_tails != nullptr && TailSessions::isTap(subscriberId)) {
    return m_tails->sendEvents(subscriberId, lane, events);
  }
  return m_modules.sendEvents(subscriberId, lane, events);
}

SendStatus SubscriberSink::sendReplayEnd(const std::string& subscriberId,
                                         const v1::ReplayEnd& end) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (TailSessions::isTap(subscriberId)) return SendStatus::Sent;  // taps never replay
  return m_modules.sendReplayEnd(subscriberId, end);
}

void SubscriberSink::unreachable(const std::vector<std::string>& subscriberIds) {
  PLEXUS_ASSERT_THREAD(m_thread);
  for (const auto& id : subscriberIds) {
    if (TailSessions::isTap(id)) {
      if (m_tails != nullptr) m_tails->end(id);
    } else if (m_registry != nullptr) {
      m_registry->onUnreachable(id);
    }
  }
}

}  // namespace plexus::host
