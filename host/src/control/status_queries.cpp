#include "control/status_queries.h"

#include <unistd.h>

#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"
#include "plexus/version.h"
#include "runtime/logging.h"

namespace plexus::host {

StatusQueries::StatusQueries(ControlReplier& replier, EventManager& events,
                             const ModuleDirectory& modules, NodeStatus status)
    : m_replier(replier), m_events(events), m_modules(modules), m_status(std::move(status)) {}

std::vector<v1::ControlRequest::BodyCase> StatusQueries::bodies() const {
  return {v1::ControlRequest::kStatus, v1::ControlRequest::kModules, v1::ControlRequest::kStats,
          v1::ControlRequest::kSubscribers};
}

void StatusQueries::handle(const std::string& clientId, const v1::ControlRequest& request) {
  PLEXUS_ASSERT_THREAD(m_thread);
  v1::ControlResponse response = responseTo(request);
  switch (request.body_case()) {
    case v1::ControlRequest::kStatus:
      status(response);
      break;
    case v1::ControlRequest::kModules:
      response.mutable_modules();  // the body is set even when the list is empty
      for (auto& info : m_modules.modules())
        *response.mutable_modules()->add_modules() = info;
      break;
    case v1::ControlRequest::kStats:
      if (!stats(clientId, request, response)) return;
      break;
    case v1::ControlRequest::kSubscribers: {
      auto type = request.subscribers().type();
      if (!ipc::isValidEventType(type)) {
        m_replier.replyError(clientId, request.correlation_id(),
                             makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "not a valid event type"));
        return;
      }
      response.mutable_subscribers()->set_type(type);  // sets the body even with no subscriber
      for (auto& id : m_events.subscribers(type)) {
        if (m_events.isStopping(id)) response.mutable_subscribers()->add_stopping_module_ids(id);
        response.mutable_subscribers()->add_module_ids(id);
        response.mutable_subscribers()->add_filters(m_events.filterOf(id, type));
      }
      break;
    }
    default:
      return;  // not routed here
  }
  m_replier.reply(clientId, std::move(response));
}

void StatusQueries::status(v1::ControlResponse& response) const {
  auto* status = response.mutable_status();
  status->set_version(kPlexusVersion);
  status->set_protocol_version(ipc::protocolVersionString());
  status->set_uptime_ms(
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - m_status.startedAt)
                                     .count()));
  status->set_pid(::getpid());
  status->set_runtime_dir(m_status.runtimeDir.string());
  status->set_modules_total(static_cast<std::uint32_t>(m_modules.modules().size()));
  status->set_modules_ready(m_modules.countInState(v1::MODULE_STATE_READY));
  status->set_modules_failed(m_modules.countInState(v1::MODULE_STATE_FAILED));
  status->set_events_published(m_events.eventsPublished());
  status->set_events_sent(m_events.eventsSent());
  status->set_batches_sent(m_events.batchesSent());
  if (m_status.relayedDuplicates) status->set_relayed_duplicates(m_status.relayedDuplicates());
}

bool StatusQueries::stats(const std::string& clientId, const v1::ControlRequest& request,
                          v1::ControlResponse& response) {
  const auto& query = request.stats();
  response.mutable_stats();  // the body is set even when the list is empty
  if (!query.module_id().empty()) {
    const bool known = !query.reset() || m_events.resetStats(query.module_id());
    auto stats = known ? m_events.stats(query.module_id()) : std::nullopt;
    if (!stats) {
      m_replier.replyError(clientId, request.correlation_id(),
                           makeError(v1::ERROR_CODE_NOT_FOUND,
                                     "no statistics for module '" + query.module_id() + "'"));
      return false;
    }
    *response.mutable_stats()->add_modules() = *stats;
  } else {
    if (query.reset()) m_events.resetAllStats();
    for (auto& stats : m_events.allStats())
      *response.mutable_stats()->add_modules() = stats;
  }
  if (query.reset()) {
    logger("control")->info("statistics reset ({})",
                            query.module_id().empty() ? "all modules" : query.module_id());
  }
  return true;
}

}  // namespace plexus::host
