#pragma once

// ServiceWatchdog: WATCHDOG=1 to the service manager every half of its watchdog interval
// (systemd's WatchdogSec=), from a timer of the event loop: the pings stop when the loop stops
// running timers, so a wedged loop gets the node restarted (Restart=on-failure). Without a
// watchdog (no WATCHDOG_USEC, or not for this pid) start() does nothing. It pings until it is
// destroyed, through the shutdown too (TimeoutStopSec= bounds that).
// Thread rule: loop thread only.

#include <optional>

#include "plexus/ipc/thread_checker.h"
#include "runtime/service_notifier.h"
#include "runtime/timers.h"

namespace plexus::host {

class ServiceWatchdog {
 public:
  ServiceWatchdog(Timers& timers, ServiceNotifier& notifier);
  ~ServiceWatchdog();  // cancels its timer
  ServiceWatchdog(const ServiceWatchdog&) = delete;
  ServiceWatchdog& operator=(const ServiceWatchdog&) = delete;

  void start();

 private:
  void ping();

  Timers& m_timers;
  ServiceNotifier& m_notifier;
  std::chrono::milliseconds m_period{0};
  std::optional<Timers::TimerId> m_timer;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
