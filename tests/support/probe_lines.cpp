// plexus-test-probe: the text of its report lines (probe_lines.h).

#include "probe_lines.h"

#include <string>

std::string detailOf(const plexus::v1::Event& e) {
  using E = plexus::v1::Event;
  switch (e.payload_case()) {
    case E::kNewBlock:
      return std::to_string(e.new_block().height());
    case E::kModuleLoaded:
      return e.module_loaded().module_id() + "#" + std::to_string(e.module_loaded().incarnation());
    case E::kModuleCrashed:
      return e.module_crashed().module_id() +
             ":signal=" + std::to_string(e.module_crashed().signal()) +
             ":exit=" + std::to_string(e.module_crashed().exit_code()) +
             ":restart_in_ms=" + std::to_string(e.module_crashed().restart_in_ms()) +
             ":scheduled=" + (e.module_crashed().restart_scheduled() ? "1" : "0");
    case E::kModuleUnloaded:
      return e.module_unloaded().module_id() + "#" +
             std::to_string(e.module_unloaded().incarnation()) + ":" + e.module_unloaded().reason();
    case E::kModuleHealthChanged:
      return e.module_health_changed().module_id() + ":" +
             plexus::v1::Health_Name(e.module_health_changed().health()) + ":" +
             e.module_health_changed().reason();
    case E::kMaintenanceStarted:
      return std::to_string(e.maintenance_started().maintenance_id());
    case E::kDataMaintenance:
      return std::to_string(e.data_maintenance().maintenance_id()) + ":" +
             plexus::v1::MaintenanceOperation_Name(e.data_maintenance().operation()) + ":" +
             plexus::v1::Urgency_Name(e.data_maintenance().urgency()) + ":" +
             e.data_maintenance().reason();
    case E::kMaintenanceCompleted:
      return std::to_string(e.maintenance_completed().maintenance_id()) +
             ":success=" + (e.maintenance_completed().success() ? "1" : "0");
    case E::kDiskSpaceLow:
      return e.disk_space_low().path();
    case E::kResourceLimitWarning:
      return e.resource_limit_warning().module_id() + ":" + e.resource_limit_warning().resource();
    case E::kHealthCheck:
      return std::to_string(e.health_check().modules_ready());
    case E::kNodeStartup:
      return e.node_startup().version();
    case E::kNodeShutdown:
      return e.node_shutdown().reason();
    default:
      return "-";
  }
}

// The answer an error carries when a block-policy subscriber did not take the event.
std::string answerLine(const plexus::v1::PublishResponse& answer) {
  std::string line = "publish-answer subscribers=" + std::to_string(answer.subscribers()) +
                     " accepted=" + std::to_string(answer.accepted()) +
                     " dropped=" + std::to_string(answer.dropped()) +
                     " failed=" + std::to_string(answer.failed()) +
                     " timed_out=" + std::to_string(answer.timed_out()) + " missed=";
  for (const auto& missed : answer.missed())
    line += missed.module_id() + ":" + plexus::v1::MissReason_Name(missed.reason()) + ";";
  return line;
}
