#pragma once

// ReadinessTracker: the node's readiness and status for the service manager (systemd
// Type=notify; docs/operations.md "systemd"), through a ServiceNotifier.
// - READY=1 once every module the node knows is settled: ready, stopped (a disabled module is
//   stopped), failed, or crashed with no restart pending; a node without modules at once. At
//   the latest after `readyTimeout`: then STATUS= names the laggards and their states (for
//   as long as some lag).
// - STATUS= "<n> modules: <k> ready, <m> crashed, ..." whenever the counts change, at most one
//   status-only message per `statusInterval`.
// - stopping(): STOPPING=1 when the node's shutdown begins; nothing after it.
// It looks at the modules every `pollInterval` until READY=1, then every `statusInterval` (the
// supervisor's states are read, not observed: nothing in supervision/ changes for it). With the
// notifier disabled (no NOTIFY_SOCKET) start() does nothing and no timer runs. Thread rule: loop
// thread only.

#include <plexus/v1/control.pb.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "plexus/ipc/thread_checker.h"
#include "runtime/service_notifier.h"
#include "runtime/timers.h"

namespace plexus::host {

struct ModuleStateView {
  std::string id;
  v1::ModuleState state = v1::MODULE_STATE_UNSPECIFIED;
  bool restartPending = false;  // crashed (or starting again) and a next incarnation is due
};

// Settled for readiness: ready, stopped, failed, or crashed with no restart pending.
bool settled(const ModuleStateView& module);
// "3 modules: 2 ready, 1 crashed" (states in lifecycle order, zero counts left out).
std::string moduleCounts(const std::vector<ModuleStateView>& modules);
// "sleeper (starting), flaky (crashed, restart pending)": the modules not settled.
std::string laggards(const std::vector<ModuleStateView>& modules);

class ReadinessTracker {
 public:
  using Snapshot = std::function<std::vector<ModuleStateView>()>;
  struct Options {
    std::chrono::milliseconds readyTimeout{30000};
    std::chrono::milliseconds pollInterval{100};
    std::chrono::milliseconds statusInterval{500};
  };

  ReadinessTracker(Timers& timers, ServiceNotifier& notifier, Snapshot modules, Options options);
  ~ReadinessTracker();  // cancels its timer
  ReadinessTracker(const ReadinessTracker&) = delete;
  ReadinessTracker& operator=(const ReadinessTracker&) = delete;

  // After the supervisor started the configured modules.
  void start();
  // The node's shutdown begins: STOPPING=1 (and a last STATUS), then silence.
  void stopping();
  bool ready() const { return m_ready; }

 private:
  void poll();
  void schedule();
  void send(const std::string& assignments, const std::string& status);
  std::string statusOf(const std::vector<ModuleStateView>& modules) const;

  Timers& m_timers;
  ServiceNotifier& m_notifier;
  Snapshot m_modules;
  Options m_options;
  Timers::Clock::time_point m_deadline{};
  Timers::Clock::time_point m_lastSent{};
  std::string m_lastStatus;
  std::optional<Timers::TimerId> m_timer;
  bool m_started = false;
  bool m_ready = false;
  bool m_timedOut = false;  // READY=1 came from the ready timeout: STATUS keeps the laggards
  bool m_stopping = false;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
