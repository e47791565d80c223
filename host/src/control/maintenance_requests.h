#pragma once

// MaintenanceRequests: `plexusctl maintenance flush|cleanup`: starts a maintenance round
// (services/maintenance.h) with the operator's operation, urgency, reason and timeout, and
// answers with the round's id at once (the round's completion is an event, not an answer).
// A request without an operation is refused (INVALID_ARGUMENT).
// Thread rule: loop thread only.

#include "control/control_handler.h"
#include "plexus/ipc/thread_checker.h"
#include "services/maintenance.h"

namespace plexus::host {

class MaintenanceRequests final : public ControlHandler {
 public:
  MaintenanceRequests(ControlReplier& replier, Maintenance& maintenance);

  std::vector<v1::ControlRequest::BodyCase> bodies() const override;
  void handle(const std::string& clientId, const v1::ControlRequest& request) override;

 private:
  ControlReplier& m_replier;
  Maintenance& m_maintenance;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
