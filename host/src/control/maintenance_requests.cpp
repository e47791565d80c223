#include "control/maintenance_requests.h"

namespace plexus::host {

namespace {

// MERGE NOTE: Maintenance::run applies this default itself once the services change is in;
// this function then goes and the urgency is passed on as the operator gave it.
v1::Urgency urgencyOrDefault(v1::Urgency urgency) {
  return urgency == v1::URGENCY_UNSPECIFIED ? v1::URGENCY_LOW : urgency;
}

}  // namespace

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
  const auto id =
      m_maintenance.run(m.operation(), urgencyOrDefault(m.urgency()),
                        m.reason().empty() ? "requested by operator" : m.reason(), m.timeout_ms());
  v1::ControlResponse response = responseTo(request);
  response.mutable_maintenance()->set_maintenance_id(id);
  m_replier.reply(clientId, std::move(response));
}

}  // namespace plexus::host
