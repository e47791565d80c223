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
  // CURVE: one bucket for all keys (username is the client's key), so a client trying fresh keys
  // cannot flood the log.
  const bool curve = request.mechanism == "CURVE";
  m_log.warn(request.mechanism + "/" + (curve ? std::string() : request.username) + "/" + kind,
             [&] {
               return "refused a connection (" + request.mechanism + (curve ? " key " : " '") +
                      request.username + (curve ? "" : "'") + " from " + request.address +
                      "): " + verdict.reason;
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
