#include "control/maintenance_requests.h"

#include "config/config_checks.h"

namespace plexus::host {

MaintenanceRequests::MaintenanceRequests(ControlReplier& replier, Maintenance& maintenance)
    : m_replier(replier), m_maintenance(maintenance) {}

std::vector<v1::ControlRequest::BodyCase> MaintenanceRequests::bodies() const {
  return {v1::ControlRequest::kMaintenance};
}

void MaintenanceRequests::handle(const std::string& clientId, const v1::ControlRequest& request) {
  PLEXUS_ASSERT_THREAD(m_thread);
  const auto& m = request.maintenance();
  if (m.operation() == v1::MAINTENANCE_OPERATION_UNSPECIFIED) {
    m_replier.replyError(clientId, request.correlation_id(),
                         makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                                   "maintenance needs an operation (flush or cleanup)"));
    return;
  }
  // The operator's timeout bounds a deadline: the same range as a scheduled round's.
  v1::MaintenanceSchedule asScheduled;
  asScheduled.set_timeout_ms(m.timeout_ms());
  if (auto status = checkFields(asScheduled); !status) {
    m_replier.replyError(
        clientId, request.correlation_id(),
        makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "maintenance " + status.error().message));
    return;
  }
  const auto id =
      m_maintenance.run(m.operation(), m.urgency(),
                        m.reason().empty() ? "requested by operator" : m.reason(), m.timeout_ms());
  v1::ControlResponse response = responseTo(request);
  response.mutable_maintenance()->set_maintenance_id(id);
  m_replier.reply(clientId, std::move(response));
}

}  // namespace plexus::host
