#include "services/service_watchdog.h"

#include <algorithm>

#include "runtime/logging.h"

namespace plexus::host {

ServiceWatchdog::ServiceWatchdog(Timers& timers, ServiceNotifier& notifier)
    : m_timers(timers), m_notifier(notifier) {}

ServiceWatchdog::~ServiceWatchdog() {
  if (m_timer) m_timers.cancel(*m_timer);
}

void ServiceWatchdog::start() {
  PLEXUS_ASSERT_THREAD(m_thread);
  const auto interval = m_notifier.watchdogInterval();
  if (!interval || m_timer) return;
  // Half the interval, as sd_watchdog_enabled(3) advises; at least 1 ms.
  m_period = std::max(std::chrono::milliseconds(1),
                      std::chrono::duration_cast<std::chrono::milliseconds>(*interval / 2));
  logger("node")->info("systemd watchdog: WATCHDOG=1 every {} ms", m_period.count());
  ping();
}

void ServiceWatchdog::ping() {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_notifier.notify("WATCHDOG=1");
  m_timer = m_timers.runAfter(m_period, [this] {
    m_timer.reset();
    ping();
  });
}

}  // namespace plexus::host
