#pragma once

// RefusalLog: the node's log lines for connections it refused, from both places that refuse:
// - ZAP (the token is wrong or used, the process is not the spawned child, an unknown CURVE key
//   on the remote endpoint, ...): zapVerdict(), the ZapAuthenticator's observer;
// - ZeroMQ itself, before ZAP is asked (the NULL mechanism, junk instead of ZMTP):
//   handshakeFailed(), from the module ROUTER's monitor.
// Rate-limited per claimed id and kind of refusal (the reason without its numbers): a process
// reconnecting in a loop must not flood the log, but each new reason is shown.
// Thread rule: loop thread only (ZAP and the monitor are served there).

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

#include "plexus/ipc/socket_monitor.h"
#include "plexus/ipc/thread_checker.h"
#include "plexus/ipc/zap_authenticator.h"
#include "runtime/rate_limited_log.h"

namespace plexus::host {

class RefusalLog {
 public:
  explicit RefusalLog(std::shared_ptr<spdlog::logger> log,
                      std::chrono::milliseconds interval = std::chrono::seconds(5));

  // Logs a refused verdict; accepted ones are not logged.
  void zapVerdict(const ipc::ZapRequest& request, const ipc::ZapVerdict& verdict);
  // A HANDSHAKE_FAILED_PROTOCOL or HANDSHAKE_FAILED_NO_DETAIL event of the module socket.
  void handshakeFailed(const ipc::MonitorEvent& event);

 private:
  RateLimitedLog m_log;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
