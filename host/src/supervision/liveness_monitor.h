#pragma once

// LivenessMonitor: watches the connected modules, every heartbeat interval / 2 (at least 20 ms).
// A module is busy when it is silent with events in flight and its process is not stopped: the
// SDK's run() thread is in a handler (it heartbeats only between handlers).
// - no traffic for dead_timeout_ms and not busy: hung -> SIGKILL (a module being stopped too);
// - busy with no traffic for handler_timeout_ms, when configured: hung -> SIGKILL;
// - ready, no traffic for heartbeat_interval_ms * missed_heartbeats: the node sends it a
//   heartbeat (a connection ZeroMQ dropped silently is found out by a send), then, unless it is
//   busy, unhealthy ("missed heartbeats");
// - ready, its oldest unacked event older than stall_timeout_ms: unhealthy ("stalled handler");
// - otherwise healthy again.
// Each health change is published as ModuleHealthChanged. Silence is measured in the node's run
// time (Timers), and nobody is judged during the grace after a pause of the node.
// Thread rule: loop thread only.

#include <plexus/v1/config.pb.h>
#include <plexus/v1/wire.pb.h>

#include <functional>
#include <optional>
#include <string>

#include "delivery/event_manager.h"
#include "plexus/ipc/thread_checker.h"
#include "runtime/timers.h"
#include "supervision/module_record.h"
#include "supervision/process_spawner.h"

namespace plexus::host {

class LivenessMonitor {
 public:
  struct Dependencies {
    Timers& timers;
    EventManager& events;
    ProcessSpawner& spawner;
    SendEnvelope send;  // the probing heartbeat; may be empty
    // A remote module found dead (no process to kill): the supervisor detaches it.
    std::function<void(ModuleRecord&, const std::string&)> loseRemote = {};
  };

  // `records` is the supervisor's table; it outlives the monitor.
  LivenessMonitor(Dependencies deps, const ModuleRecords& records, v1::Timings timings);
  ~LivenessMonitor();
  LivenessMonitor(const LivenessMonitor&) = delete;
  LivenessMonitor& operator=(const LivenessMonitor&) = delete;

  // Checks on the period from now on, until stop().
  void start();
  void stop();
  // One pass over every module.
  void check();

 private:
  void checkModule(ModuleRecord& record, Timers::Clock::time_point now);
  // Kills a local module's process (SIGKILL) or loses a remote module's connection.
  void end(ModuleRecord& record);
  void setHealth(ModuleRecord& record, v1::Health health, const std::string& reason);

  Dependencies m_deps;
  const ModuleRecords& m_records;
  v1::Timings m_timings;
  std::optional<Timers::TimerId> m_timer;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
