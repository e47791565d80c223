#pragma once

// PeriodicEvents: what the node does on a clock of its own while it runs:
// - HealthCheck{uptime, modules ready, modules total} to its subscribers every health-check
//   interval;
// - one statistics line per module in the "stats" log every stats-log interval.
// The node stops both when its shutdown begins, and logs the statistics a last time
// (logStats()) when it has stopped.
// Thread rule: loop thread only.

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <optional>

#include "delivery/event_manager.h"
#include "plexus/ipc/thread_checker.h"
#include "runtime/event_loop.h"
#include "supervision/module_directory.h"

namespace plexus::host {

class PeriodicEvents {
 public:
  struct Intervals {
    std::chrono::milliseconds healthCheck{30000};
    std::chrono::milliseconds statsLog{10000};
  };

  // `statsLog`: where the statistics lines go (default: the "stats" component logger).
  PeriodicEvents(EventLoop& loop, EventManager& events, const ModuleDirectory& modules,
                 std::chrono::steady_clock::time_point startedAt, Intervals intervals,
                 std::shared_ptr<spdlog::logger> statsLog = nullptr);
  ~PeriodicEvents();  // stops
  PeriodicEvents(const PeriodicEvents&) = delete;
  PeriodicEvents& operator=(const PeriodicEvents&) = delete;

  void start();
  void stop();

  // One HealthCheck now.
  void publishHealthCheck();
  // One statistics line per module now.
  void logStats();

 private:
  void scheduleHealthCheck();
  void scheduleStatsLog();

  EventLoop& m_loop;
  EventManager& m_events;
  const ModuleDirectory& m_modules;
  std::chrono::steady_clock::time_point m_startedAt;
  Intervals m_intervals;
  std::shared_ptr<spdlog::logger> m_statsLog;
  std::optional<EventLoop::TimerId> m_healthTimer;
  std::optional<EventLoop::TimerId> m_statsTimer;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
