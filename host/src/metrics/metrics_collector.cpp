#include "metrics/metrics_collector.h"

#include <algorithm>
#include <future>
#include <map>
#include <memory>

#include "metrics/hold_buckets.h"
#include "plexus/ipc/protocol.h"
#include "plexus/version.h"

namespace plexus::host {

namespace {

double unixSeconds(std::chrono::system_clock::time_point when) {
  return std::chrono::duration<double>(when.time_since_epoch()).count();
}

}  // namespace

MetricsCollector::MetricsCollector(Timers& loop, const EventManager& events,
                                   const ModuleDirectory& modules, const ControlRejections& control,
                                   const ModuleServer& moduleServer)
    : m_loop(loop),
      m_events(events),
      m_modules(modules),
      m_control(control),
      m_moduleServer(moduleServer),
      m_startTimeSeconds(unixSeconds(std::chrono::system_clock::now())) {}

std::optional<MetricsSnapshot> MetricsCollector::take(std::chrono::milliseconds deadline) {
  auto promise = std::make_shared<std::promise<MetricsSnapshot>>();
  std::future<MetricsSnapshot> future = promise->get_future();
  if (!m_loop.post([this, promise] { promise->set_value(build()); })) return std::nullopt;
  if (future.wait_for(deadline) != std::future_status::ready) return std::nullopt;
  return future.get();
}

MetricsSnapshot MetricsCollector::build() const {
  PLEXUS_ASSERT_THREAD(m_thread);
  const auto started = std::chrono::steady_clock::now();
  MetricsSnapshot out;
  out.version = kPlexusVersion;
  out.protocolVersion = ipc::protocolVersionString();
  out.startTimeSeconds = m_startTimeSeconds;
  out.eventsPublished = m_events.eventsPublished();
  const PublishCounts bySource = m_events.eventsPublishedBySource();
  std::copy(bySource.begin(), bySource.end(), out.publishedBySource.begin());
  out.eventsSent = m_events.eventsSent();
  out.batchesSent = m_events.batchesSent();
  out.relayedDuplicates = m_moduleServer.relayedDuplicates();
  out.controlRejected = m_control.counts();
  out.snapshotSeconds = m_lastBuildSeconds.load(std::memory_order_relaxed);
  std::map<std::string, ModuleMetrics> byId;
  for (EventManager::SinceStart& totals : m_events.allStatsSinceStart()) {
    ModuleMetrics& module = byId[totals.stats.module_id()];
    module.id = totals.stats.module_id();
    module.hasDelivery = true;
    module.delivery = std::move(totals.stats);
    module.holdSeconds = exposedHoldSeconds(totals.holdTimes);
  }
  for (const v1::ModuleInfo& info : m_modules.modules()) {
    ModuleMetrics& module = byId[info.module_id()];
    module.id = info.module_id();
    module.supervised = true;
    module.state = info.state();
    module.restarts = info.restarts();
    module.health = info.health();
  }
  out.modules.reserve(byId.size());
  for (auto& entry : byId)
    out.modules.push_back(std::move(entry.second));
  m_lastBuildSeconds.store(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
      std::memory_order_relaxed);
  return out;
}

}  // namespace plexus::host
