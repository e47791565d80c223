#pragma once

// MetricsCollector: the bridge between the event loop and the metrics thread. take() (metrics
// thread) posts a task to the loop and waits, up to a deadline, for the MetricsSnapshot that task
// builds (build(): copies of the EventManager's, the supervisor's, the module server's and the
// control socket's numbers, counters since node start). The metrics thread never touches loop-owned
// state; the loop never formats text. Thread rule: build() on the loop thread; take() from any
// other thread (never the loop's: it would wait for itself).

#include <atomic>
#include <chrono>
#include <optional>

#include "delivery/event_manager.h"
#include "metrics/control_rejections.h"
#include "metrics/metrics_snapshot.h"
#include "module_link/module_server.h"
#include "plexus/ipc/thread_checker.h"
#include "runtime/timers.h"
#include "supervision/module_directory.h"

namespace plexus::host {

// Where the metrics server gets its snapshots; an interface so its tests need no loop.
class SnapshotSource {
 public:
  virtual ~SnapshotSource() = default;
  // A snapshot, or nullopt when none came within `deadline` (the server answers 503).
  virtual std::optional<MetricsSnapshot> take(std::chrono::milliseconds deadline) = 0;
};

class MetricsCollector final : public SnapshotSource {
 public:
  MetricsCollector(Timers& loop, const EventManager& events, const ModuleDirectory& modules,
                   const ControlRejections& control, const ModuleServer& moduleServer);

  std::optional<MetricsSnapshot> take(std::chrono::milliseconds deadline) override;
  MetricsSnapshot build() const;  // loop thread

 private:
  ThreadChecker m_thread;  // the loop's: built there
  Timers& m_loop;
  const EventManager& m_events;
  const ModuleDirectory& m_modules;
  const ControlRejections& m_control;
  const ModuleServer& m_moduleServer;
  double m_startTimeSeconds;
  mutable std::atomic<double> m_lastBuildSeconds{0};
};

}  // namespace plexus::host
