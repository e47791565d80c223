#include "module_link/refusal_log.h"

#include <string>

namespace plexus::host {

RefusalLog::RefusalLog(std::shared_ptr<spdlog::logger> log, std::chrono::milliseconds interval)
    : m_log(std::move(log), interval) {}

void RefusalLog::zapVerdict(const ipc::ZapRequest& request, const ipc::ZapVerdict& verdict) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (verdict.accepted) return;
  std::string kind = verdict.reason;
  std::erase_if(kind, [](char c) { return c >= '0' && c <= '9'; });
  m_log.warn(request.mechanism + "/" + request.username + "/" + kind, [&] {
    return "refused a connection (" + request.mechanism + " '" + request.username + "' from " +
           request.address + "): " + verdict.reason;
  });
}

void RefusalLog::handshakeFailed(const ipc::MonitorEvent& event) {
  PLEXUS_ASSERT_THREAD(m_thread);
  const std::string why = ipc::describeHandshakeFailure(event);
  m_log.warn("handshake/" + why, [&] {
    return "refused a connection on the module socket before authentication: " + why;
  });
}

}  // namespace plexus::host
