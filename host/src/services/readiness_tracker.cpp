#include "services/readiness_tracker.h"

#include <array>

#include "runtime/logging.h"
#include "supervision/module_info.h"

namespace plexus::host {

bool settled(const ModuleStateView& module) {
  switch (module.state) {
    case v1::MODULE_STATE_READY:
    case v1::MODULE_STATE_STOPPED:
    case v1::MODULE_STATE_FAILED:
    case v1::MODULE_STATE_DISCONNECTED:  // remote: it connects when it will, never holds READY
    case v1::MODULE_STATE_UNLOADED:
      return true;
    case v1::MODULE_STATE_CRASHED:
      return !module.restartPending;
    default:
      return false;
  }
}

std::string moduleCounts(const std::vector<ModuleStateView>& modules) {
  static constexpr std::array kOrder = {
      v1::MODULE_STATE_READY,    v1::MODULE_STATE_STARTING,     v1::MODULE_STATE_HANDSHAKING,
      v1::MODULE_STATE_STOPPING, v1::MODULE_STATE_STOPPED,      v1::MODULE_STATE_CRASHED,
      v1::MODULE_STATE_FAILED,   v1::MODULE_STATE_DISCONNECTED, v1::MODULE_STATE_UNLOADED};
  std::string line =
      std::to_string(modules.size()) + (modules.size() == 1 ? " module" : " modules");
  const char* separator = ": ";
  for (v1::ModuleState state : kOrder) {
    std::size_t count = 0;
    for (const auto& module : modules)
      count += module.state == state ? 1 : 0;
    if (count == 0) continue;
    line += separator + std::to_string(count) + " " + stateName(state);
    separator = ", ";
  }
  return line;
}

std::string laggards(const std::vector<ModuleStateView>& modules) {
  std::string out;
  for (const auto& module : modules) {
    if (settled(module)) continue;
    if (!out.empty()) out += ", ";
    out += module.id + " (" + stateName(module.state) +
           (module.restartPending ? ", restart pending)" : ")");
  }
  return out;
}

ReadinessTracker::ReadinessTracker(Timers& timers, ServiceNotifier& notifier, Snapshot modules,
                                   Options options)
    : m_timers(timers), m_notifier(notifier), m_modules(std::move(modules)), m_options(options) {}

ReadinessTracker::~ReadinessTracker() {
  if (m_timer) m_timers.cancel(*m_timer);
}

void ReadinessTracker::start() {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (!m_notifier.enabled() || m_started) return;
  m_started = true;
  m_deadline = m_timers.now() + m_options.readyTimeout;
  poll();
}

void ReadinessTracker::stopping() {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (!m_notifier.enabled() || m_stopping) return;
  m_stopping = true;
  if (m_timer) m_timers.cancel(*m_timer);
  m_timer.reset();
  send("STOPPING=1", "stopping: " + moduleCounts(m_modules()));
}

void ReadinessTracker::schedule() {
  // Once ready, only the status is left to follow: no need to look more often than it may go.
  const auto interval = m_ready ? m_options.statusInterval : m_options.pollInterval;
  m_timer = m_timers.runAfter(interval, [this] {
    m_timer.reset();
    poll();
  });
}

void ReadinessTracker::poll() {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (m_stopping) return;
  const auto modules = m_modules();
  const auto now = m_timers.now();
  if (!m_ready) {
    bool all = true;
    for (const auto& module : modules)
      all = all && settled(module);
    if (all || now >= m_deadline) {
      m_ready = true;
      m_timedOut = !all;
      const std::string status = statusOf(modules);
      if (m_timedOut) {
        logger("node")->warn("READY=1 to the service manager at the ready timeout: {}", status);
      } else {
        logger("node")->info("READY=1 to the service manager: {}", status);
      }
      send("READY=1", status);
      schedule();
      return;
    }
  }
  const std::string status = statusOf(modules);
  if (status != m_lastStatus && now - m_lastSent >= m_options.statusInterval) send({}, status);
  schedule();
}

std::string ReadinessTracker::statusOf(const std::vector<ModuleStateView>& modules) const {
  std::string counts = moduleCounts(modules);
  if (!m_ready) return "starting: " + counts;
  if (!m_timedOut) return counts;
  const std::string late = laggards(modules);
  if (late.empty()) return counts;
  return counts + "; not ready after " + std::to_string(m_options.readyTimeout.count()) +
         " ms: " + late;
}

void ReadinessTracker::send(const std::string& assignments, const std::string& status) {
  std::string message = assignments;
  if (!message.empty()) message += "\n";
  message += "STATUS=" + status;
  m_notifier.notify(message);
  m_lastSent = m_timers.now();
  m_lastStatus = status;
}

}  // namespace plexus::host
