#include "supervision/exit_report.h"

#include <signal.h>

#include <cstring>

#include "delivery/event_factory.h"

namespace plexus::host {

std::string describeExit(int code, int signal) {
  if (signal != 0) {
    const char* name = ::strsignal(signal);
    return "signal " + std::to_string(signal) + " (" + (name ? name : "?") + ")";
  }
  return "exit " + std::to_string(code);
}

std::string limitExplanation(const v1::ResourceLimits& limits, int signal) {
  if (signal == SIGXCPU && limits.cpu_seconds() > 0) {
    return "it used up its CPU time limit (limits.cpu_seconds = " +
           std::to_string(limits.cpu_seconds()) + ")";
  }
  if (signal == SIGKILL && limits.cpu_seconds() > 0) {  // not the node's: it said why it killed
    return "it ignored SIGXCPU and reached the hard CPU limit, a few seconds after "
           "limits.cpu_seconds = " +
           std::to_string(limits.cpu_seconds());
  }
  if ((signal == SIGABRT || signal == SIGSEGV || signal == SIGBUS) &&
      limits.address_space_bytes() > 0) {
    return "it ran under an address-space limit of " +
           std::to_string(limits.address_space_bytes()) +
           " bytes (limits.address_space_bytes); a failed allocation is the likely cause";
  }
  return {};
}

std::string crashReason(const ModuleRecord& record, int signal) {
  std::string reason = !record.refusedReason.empty() ? record.refusedReason
                       : !record.killReason.empty()  ? record.killReason
                                                     : record.lastExit;
  if (record.killReason.empty()) {
    if (auto limit = limitExplanation(record.config.limits(), signal); !limit.empty()) {
      reason += ": " + limit;
    }
  }
  return reason;
}

v1::Event moduleUnloadedEvent(const std::string& moduleId, const std::string& reason,
                              std::uint64_t incarnation) {
  v1::Event event = hostEvent(v1::EVENT_TYPE_MODULE_UNLOADED);
  auto* unloaded = event.mutable_module_unloaded();
  unloaded->set_module_id(moduleId);
  unloaded->set_reason(reason);
  unloaded->set_incarnation(incarnation);
  return event;
}

v1::Event moduleCrashedEvent(const std::string& moduleId, ProcessExit exit,
                             const std::string& reason,
                             std::optional<std::chrono::milliseconds> restartIn,
                             std::uint64_t incarnation) {
  v1::Event event = hostEvent(v1::EVENT_TYPE_MODULE_CRASHED);
  auto* crashed = event.mutable_module_crashed();
  crashed->set_module_id(moduleId);
  crashed->set_exit_code(exit.code);
  crashed->set_signal(exit.signal);
  crashed->set_reason(reason);
  crashed->set_restart_scheduled(restartIn.has_value());
  crashed->set_restart_in_ms(restartIn ? static_cast<std::uint64_t>(restartIn->count()) : 0);
  crashed->set_incarnation(incarnation);
  return event;
}

}  // namespace plexus::host
