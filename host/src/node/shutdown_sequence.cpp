#include "node/shutdown_sequence.h"

#include "delivery/event_factory.h"
#include "runtime/logging.h"

namespace plexus::host {

ShutdownSequence::ShutdownSequence(EventLoop& loop, EventManager& events,
                                   std::chrono::milliseconds grace, std::uint32_t configuredModules,
                                   Steps steps, std::function<Clock::time_point()> now)
    : m_loop(loop),
      m_events(events),
      m_grace(grace),
      m_configuredModules(configuredModules),
      m_steps(std::move(steps)),
      m_now(std::move(now)) {}

void ShutdownSequence::begin(const std::string& reason) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto log = logger("node");
  const auto now = m_now();
  if (m_started) {
    if (now - m_startedAt < std::chrono::seconds(1)) return;  // the same request, twice
    log->warn("{} during shutdown: killing every module now", reason);
    m_steps.killModules();
    return;
  }
  m_started = true;
  m_startedAt = now;
  const auto grace = static_cast<std::uint64_t>(m_grace.count());
  log->info("shutting down ({}): NodeShutdown to every module, grace {} ms", reason, grace);
  v1::Event event = hostEvent(v1::EVENT_TYPE_NODE_SHUTDOWN);
  event.mutable_node_shutdown()->set_reason(reason);
  event.mutable_node_shutdown()->set_grace_ms(grace);
  event.mutable_node_shutdown()->set_deadline_unix_ms(event.published_at_unix_ns() / 1000000 +
                                                      static_cast<std::int64_t>(grace));
  m_events.publishToAll(serializeEvent(event));
  m_steps.closeIntake();
  m_steps.stopModules([this] { finish(); });
}

void ShutdownSequence::finish() {
  PLEXUS_ASSERT_THREAD(m_thread);
  v1::Event event = hostEvent(v1::EVENT_TYPE_NODE_SHUTDOWN_COMPLETED);
  event.mutable_node_shutdown_completed()->set_modules_stopped(m_configuredModules);
  m_events.publishToAll(serializeEvent(event));  // anyone still connected
  m_events.flush();
  m_steps.stopped();
  logger("node")->info("plexus-node stopped");
  m_loop.stop();
}

}  // namespace plexus::host
