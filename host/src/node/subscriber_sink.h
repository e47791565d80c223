#pragma once

// SubscriberSink: the EventManager's one sink. A subscriber is a module or an operator's tail
// session (TailSessions::isTap), and this is the one place that tells them apart: batches go to
// the module transport or to the tail sessions, and a subscriber found unreachable is reported
// to its owner (the module registry, which has the module killed; the tail sessions, which end
// the session).
// Thread rule: loop thread only.

#include <span>
#include <string>
#include <vector>

#include "control/tail_sessions.h"
#include "delivery/event_sink.h"
#include "module_link/module_registry.h"
#include "module_link/module_transport.h"
#include "plexus/ipc/thread_checker.h"

namespace plexus::host {

class SubscriberSink final : public EventSink {
 public:
  explicit SubscriberSink(ModuleTransport& modules) : m_modules(modules) {}

  // The owners, once they exist (they are built on the EventManager this sink serves).
  void setOwners(ModuleRegistry& registry, TailSessions& tails);

  SendStatus sendEvents(const std::string& subscriberId, v1::Lane lane,
                        std::span<const ipc::OutgoingEvent> events) override;
  SendStatus sendReplayEnd(const std::string& subscriberId, const v1::ReplayEnd& end) override;
  void unreachable(const std::vector<std::string>& subscriberIds);

 private:
  ModuleTransport& m_modules;
  ModuleRegistry* m_registry = nullptr;
  TailSessions* m_tails = nullptr;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
