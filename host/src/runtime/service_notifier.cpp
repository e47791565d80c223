#include "runtime/service_notifier.h"

#include <systemd/sd-daemon.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "plexus/ipc/thread_checker.h"
#include "runtime/logging.h"

namespace plexus::host {

namespace {

class SystemdNotifier final : public ServiceNotifier {
 public:
  SystemdNotifier() {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    m_enabled = socket != nullptr && socket[0] != '\0';
  }

  bool enabled() const override { return m_enabled; }

  std::optional<std::chrono::microseconds> watchdogInterval() const override {
    std::uint64_t usec = 0;
    if (!m_enabled || ::sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
    return std::chrono::microseconds(usec);
  }

  void notify(const std::string& assignments) override {
    PLEXUS_ASSERT_THREAD(m_thread);
    if (!m_enabled) return;
    // unset_environment = 0: every later notification needs the socket too.
    const int sent = ::sd_notify(0, assignments.c_str());
    if (sent < 0 && !m_warned) {
      m_warned = true;  // once: the service manager may be gone (the node keeps running)
      logger("node")->warn("sd_notify to $NOTIFY_SOCKET failed: {}", std::strerror(-sent));
    }
  }

 private:
  bool m_enabled = false;
  bool m_warned = false;
  ThreadChecker m_thread;
};

}  // namespace

std::unique_ptr<ServiceNotifier> makeSystemdNotifier() {
  return std::make_unique<SystemdNotifier>();
}

}  // namespace plexus::host
