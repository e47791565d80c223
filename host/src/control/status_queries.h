#pragma once

// StatusQueries: the operator's read-only questions, answered at once: `status` (version,
// uptime, module counts, event totals), `modules` (every module's ModuleInfo), `stats` (delivery
// statistics of one module or all, optionally reset) and `subscribers` (of one event type).
// Thread rule: loop thread only.

#include <chrono>
#include <filesystem>
#include <functional>

#include "control/control_handler.h"
#include "delivery/event_manager.h"
#include "plexus/ipc/thread_checker.h"
#include "supervision/module_directory.h"

namespace plexus::host {

class StatusQueries final : public ControlHandler {
 public:
  struct NodeStatus {
    std::chrono::steady_clock::time_point startedAt;
    std::filesystem::path runtimeDir;
    // Relayed events answered `duplicate` (ModuleServer::relayedDuplicates); unset: 0.
    std::function<std::uint64_t()> relayedDuplicates;
  };

  StatusQueries(ControlReplier& replier, EventManager& events, const ModuleDirectory& modules,
                NodeStatus status);

  std::vector<v1::ControlRequest::BodyCase> bodies() const override;
  void handle(const std::string& clientId, const v1::ControlRequest& request) override;

 private:
  void status(v1::ControlResponse& response) const;
  // False (and answered with an error) when the module is unknown.
  bool stats(const std::string& clientId, const v1::ControlRequest& request,
             v1::ControlResponse& response);

  ControlReplier& m_replier;
  EventManager& m_events;
  const ModuleDirectory& m_modules;
  NodeStatus m_status;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
