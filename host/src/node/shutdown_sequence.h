#pragma once

// ShutdownSequence: how the node stops, on a signal or Node::requestShutdown().
// begin(reason):
//   1. NodeShutdown{reason, grace, deadline} on the lifecycle lane to every attached module;
//   2. closeIntake: later in-process publishes are refused, queued ones fail, periodic events
//      stop;
//   3. stopModules: the supervisor stops every module (SIGTERM after the grace period, then
//      SIGKILL) and reports when no module process is left;
//   4. then NodeShutdownCompleted to anyone still connected, a flush, `stopped` (the final
//      statistics line), "plexus-node stopped", and the loop stops: run() returns.
// A second request within a second is the same one arriving twice (`timeout` and shells signal
// the process and its group) and is ignored; a later one kills every module now (killModules).
// Thread rule: loop thread only.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "delivery/event_manager.h"
#include "plexus/ipc/thread_checker.h"
#include "runtime/event_loop.h"

namespace plexus::host {

class ShutdownSequence {
 public:
  using Clock = std::chrono::steady_clock;
  struct Steps {
    std::function<void()> closeIntake;
    std::function<void(std::function<void()> allStopped)> stopModules;
    std::function<void()> killModules;
    std::function<void()> stopped;
  };

  // `configuredModules`: reported in NodeShutdownCompleted.
  ShutdownSequence(
      EventLoop& loop, EventManager& events, std::chrono::milliseconds grace,
      std::uint32_t configuredModules, Steps steps,
      std::function<Clock::time_point()> now = [] { return Clock::now(); });

  void begin(const std::string& reason);
  bool started() const { return m_started; }

 private:
  void finish();

  EventLoop& m_loop;
  EventManager& m_events;
  std::chrono::milliseconds m_grace;
  std::uint32_t m_configuredModules;
  Steps m_steps;
  std::function<Clock::time_point()> m_now;
  bool m_started = false;
  Clock::time_point m_startedAt{};
  ThreadChecker m_thread;
};

}  // namespace plexus::host
