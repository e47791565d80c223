#include "services/periodic_events.h"

#include "delivery/event_factory.h"
#include "runtime/logging.h"

namespace plexus::host {

PeriodicEvents::PeriodicEvents(EventLoop& loop, EventManager& events,
                               const ModuleDirectory& modules,
                               std::chrono::steady_clock::time_point startedAt, Intervals intervals,
                               std::shared_ptr<spdlog::logger> statsLog)
    : m_loop(loop),
      m_events(events),
      m_modules(modules),
      m_startedAt(startedAt),
      m_intervals(intervals),
      m_statsLog(statsLog ? std::move(statsLog) : logger("stats")) {}

PeriodicEvents::~PeriodicEvents() {
  stop();
}

void PeriodicEvents::start() {
  PLEXUS_ASSERT_THREAD(m_thread);
  scheduleStatsLog();
  scheduleHealthCheck();
}

void PeriodicEvents::stop() {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (m_statsTimer) m_loop.cancel(*m_statsTimer);
  if (m_healthTimer) m_loop.cancel(*m_healthTimer);
  m_statsTimer.reset();
  m_healthTimer.reset();
}

void PeriodicEvents::scheduleHealthCheck() {
  m_healthTimer = m_loop.runAfter(m_intervals.healthCheck, [this] {
    publishHealthCheck();
    scheduleHealthCheck();
  });
}

void PeriodicEvents::scheduleStatsLog() {
  m_statsTimer = m_loop.runAfter(m_intervals.statsLog, [this] {
    logStats();
    scheduleStatsLog();
  });
}

void PeriodicEvents::publishHealthCheck() {
  PLEXUS_ASSERT_THREAD(m_thread);
  v1::Event event = hostEvent(v1::EVENT_TYPE_HEALTH_CHECK);
  auto* check = event.mutable_health_check();
  check->set_uptime_ms(
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - m_startedAt)
                                     .count()));
  check->set_modules_ready(m_modules.countInState(v1::MODULE_STATE_READY));
  check->set_modules_total(static_cast<std::uint32_t>(m_modules.modules().size()));
  m_events.publish(event.type(), serializeEvent(event));
}

void PeriodicEvents::logStats() {
  PLEXUS_ASSERT_THREAD(m_thread);
  for (const auto& s : m_events.allStats()) {
    m_statsLog->info(
        "{}: routed={} successful={} channel_full={} failed={} acked={} lost={} queued={} "
        "in_flight={} max_held={}/{} decode_errors={} rejected={} "
        "filtered={}",
        s.module_id(), s.routed(), s.successful(), s.channel_full(), s.failed(), s.acked(),
        s.lost(), s.queued(), s.in_flight(), s.max_held(), s.capacity(), s.decode_errors(),
        s.rejected(), s.filtered());
  }
}

}  // namespace plexus::host
