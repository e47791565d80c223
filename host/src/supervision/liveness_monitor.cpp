#include "supervision/liveness_monitor.h"

#include <signal.h>

#include <algorithm>

#include "config/config.h"
#include "config/remote_config.h"
#include "delivery/event_factory.h"
#include "plexus/ipc/envelope_codec.h"
#include "runtime/logging.h"
#include "supervision/module_signal.h"

namespace plexus::host {

namespace {

v1::Envelope hostHeartbeat() {
  v1::Envelope envelope;
  ipc::stampVersion(envelope);
  envelope.mutable_heartbeat();
  return envelope;
}

}  // namespace

LivenessMonitor::LivenessMonitor(Dependencies deps, const ModuleRecords& records,
                                 v1::Timings timings)
    : m_deps(std::move(deps)), m_records(records), m_timings(std::move(timings)) {}

LivenessMonitor::~LivenessMonitor() {
  stop();
}

void LivenessMonitor::start() {
  PLEXUS_ASSERT_THREAD(m_thread);
  const auto interval = std::max<std::uint64_t>(m_timings.heartbeat_interval_ms() / 2, 20);
  m_timer = m_deps.timers.runAfter(ms(interval), [this] {
    m_timer.reset();
    check();
    start();
  });
}

void LivenessMonitor::stop() {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (m_timer) m_deps.timers.cancel(*m_timer);
  m_timer.reset();
}

void LivenessMonitor::check() {
  PLEXUS_ASSERT_THREAD(m_thread);
  // The node itself was paused: what the modules sent meanwhile is read before they are judged.
  if (m_deps.timers.inGrace()) return;
  const auto now = m_deps.timers.now();
  for (const auto& record : m_records)
    checkModule(*record, now);
}

void LivenessMonitor::checkModule(ModuleRecord& record, Timers::Clock::time_point now) {
  const bool remote = isRemoteModule(record.config);
  if ((record.pid == 0 && !remote) || !isConnectedState(record.state) ||
      !record.killReason.empty()) {
    return;
  }
  const auto silence =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - record.lastTraffic);
  const auto unacked = m_deps.events.oldestUnackedSince(record.id());
  // The SDK's run() thread reads events and heartbeats between handlers: a module silent with
  // events in flight is in a handler. That is slow, not hung, while its process runs; a stopped
  // process is judged on its silence like any other. A remote module's process is not ours to
  // look at (stopped, or cut off): it is always judged on its silence.
  const bool busy = unacked && silence > ms(m_timings.heartbeat_interval_ms()) && !remote &&
                    !m_deps.spawner.isStopped(record.pid);
  if (busy && m_timings.handler_timeout_ms() > 0 && silence > ms(m_timings.handler_timeout_ms())) {
    record.killReason = "hung: a handler ran " + std::to_string(silence.count()) +
                        " ms without returning (handler_timeout_ms)";
    end(record);
    return;
  }
  if (!busy && silence > ms(m_timings.dead_timeout_ms())) {
    record.killReason = "hung: no traffic for " + std::to_string(silence.count()) + " ms";
    end(record);
    return;
  }
  if (record.state != v1::MODULE_STATE_READY) return;
  const bool missedHeartbeats =
      silence > ms(m_timings.heartbeat_interval_ms() * m_timings.missed_heartbeats());
  if (missedHeartbeats) {
    // ZeroMQ drops a connection silently (an oversized frame): if the process lives on, only a
    // send finds out. A heartbeat to an unreachable peer kills it now ("connection lost")
    // instead of after dead_timeout_ms.
    if (m_deps.send) m_deps.send(record.id(), hostHeartbeat());
    if (!record.killReason.empty()) return;
    if (!busy) {
      setHealth(record, v1::HEALTH_UNHEALTHY, "missed heartbeats");
      return;
    }
  }
  if (unacked && now - *unacked > ms(m_timings.stall_timeout_ms())) {
    setHealth(record, v1::HEALTH_UNHEALTHY, "stalled handler");
    return;
  }
  if (missedHeartbeats) return;  // in a handler, not stalled yet: judged by its acks
  setHealth(record, v1::HEALTH_HEALTHY, "recovered");
}

void LivenessMonitor::end(ModuleRecord& record) {
  if (!isRemoteModule(record.config)) {
    signalModule(m_deps.spawner, record, SIGKILL, record.killReason);
  } else if (m_deps.loseRemote) {
    m_deps.loseRemote(record, record.killReason);
  }
}

void LivenessMonitor::setHealth(ModuleRecord& record, v1::Health health,
                                const std::string& reason) {
  if (record.health == health && (health == v1::HEALTH_HEALTHY || record.healthReason == reason)) {
    return;
  }
  record.health = health;
  record.healthReason = health == v1::HEALTH_HEALTHY ? "" : reason;
  auto log = logger("supervisor");
  if (health == v1::HEALTH_HEALTHY) {
    log->info("module '{}' healthy again", record.id());
  } else {
    log->warn("module '{}' unhealthy: {}", record.id(), reason);
  }
  v1::Event event = hostEvent(v1::EVENT_TYPE_MODULE_HEALTH_CHANGED);
  event.mutable_module_health_changed()->set_module_id(record.id());
  event.mutable_module_health_changed()->set_health(health);
  event.mutable_module_health_changed()->set_reason(reason);
  m_deps.events.publish(event.type(), serializeEvent(event));
}

}  // namespace plexus::host
