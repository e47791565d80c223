#pragma once

// ModuleRecord: what the supervisor knows about one module: its configuration, where it is in
// its lifecycle (docs/design.md "Processes"), its current incarnation's process and timers,
// its restart history, and the operator commands waiting on it.
//   starting -> handshaking -> ready -> stopping -> stopped | crashed | failed
// Thread rule: loop thread only (owned by the supervisor).

#include <plexus/v1/config.pb.h>
#include <plexus/v1/control.pb.h>
#include <plexus/v1/wire.pb.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "delivery/module_attachment.h"
#include "runtime/timers.h"
#include "supervision/incarnation_timer.h"
#include "supervision/module_directory.h"
#include "supervision/restart_tracker.h"

namespace plexus::host {

// Sends an envelope to a connected module (Goodbye, a probing heartbeat): the node's module
// server, injected so the supervision units never touch a socket.
using SendEnvelope = std::function<void(const std::string& moduleId, const v1::Envelope&)>;

struct ModuleRecord {
  using Clock = Timers::Clock;

  // `config` validated (validateModule), with defaults applied.
  ModuleRecord(Timers& timers, v1::ModuleConfig config, bool fromConfig,
               RestartTracker::Policy policy)
      : fromConfig(fromConfig),
        handshakeTimer(timers, incarnation),
        restartTimer(timers, incarnation),
        termTimer(timers, incarnation),
        killTimer(timers, incarnation),
        tracker(policy) {
    setConfig(std::move(config));
  }
  ModuleRecord(const ModuleRecord&) = delete;
  ModuleRecord& operator=(const ModuleRecord&) = delete;

  const std::string& id() const { return config.name(); }
  // Replaces `config` (validated, with defaults) and compiles its filters into `configFilters`.
  void setConfig(v1::ModuleConfig validated);

  v1::ModuleConfig config;  // with defaults; replaced through setConfig
  // config.subscriptions compiled once per configuration; every incarnation's attachment shares
  // them (docs/filters.md).
  std::vector<TypeFilter> configFilters;
  bool fromConfig = false;
  v1::ModuleState state = v1::MODULE_STATE_STOPPED;
  std::uint64_t incarnation = 0;  // of the process running now, or of the last one
  pid_t pid = 0;                  // 0 once its exit was seen
  std::uint32_t restarts = 0;
  std::string lastExit;
  std::string name;  // from its handshake
  std::string version;
  v1::Health health = v1::HEALTH_HEALTHY;
  std::string healthReason;
  Clock::time_point startedAt{};
  std::optional<Clock::time_point> readyAt;
  Clock::time_point lastTraffic{};
  IncarnationTimer handshakeTimer, restartTimer, termTimer, killTimer;
  bool stopRequested = false;     // by the operator or the node (unload, reload, node stop)
  bool leaving = false;           // it said Goodbye on its own: its stop, not the operator's
  std::string stopReason;         // the operator's, the node's, or its own Goodbye's reason
  int stopSignal = 0;             // the last signal the stop escalation sent (0: none)
  std::string killReason;         // why the node killed it (handshake timeout, hung)
  std::string peerAddress;        // a remote module's connection (ZMQ Peer-Address)
  std::string refusedReason;      // the node refused its handshake: do not restart
  bool restartAfterStop = false;  // reload
  RestartTracker tracker;
  std::vector<ModuleDirectory::ModuleCallback> readyWaiters;  // load / reload
  std::vector<ModuleDirectory::ModuleCallback> stopWaiters;   // unload
};

// Config order, then load order; a record is removed only by `forget` (stopped or failed).
using ModuleRecords = std::vector<std::unique_ptr<ModuleRecord>>;

// What the node treats as connected: handshaking, ready or stopping. A module being stopped
// counts (it may still talk), even one stopped before its handshake.
inline bool isConnectedState(v1::ModuleState state) {
  return state == v1::MODULE_STATE_HANDSHAKING || state == v1::MODULE_STATE_READY ||
         state == v1::MODULE_STATE_STOPPING;
}

}  // namespace plexus::host
