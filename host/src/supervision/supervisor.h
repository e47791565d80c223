#pragma once

// Supervisor: the module processes (docs/design.md "Processes").
//   starting -> handshaking -> ready -> stopping -> stopped | crashed | failed
// The facade the module server (ModuleRegistry), the operator API and the host services
// (ModuleDirectory) talk to. It keeps one ModuleRecord per module and drives its state through
// the parts that do the work:
// - ModuleLauncher: spawns an incarnation (token, environment, limits, output, handshake
//   timeout); the ProcessSpawner reports its exit at once (pidfd) and reaps it;
// - exits (supervisor_exits.cpp): stopped, crashed or failed, told by the exit reports
//   (exit_report.h: ModuleUnloaded, ModuleCrashed), and the restart policy (RestartTracker:
//   backoff, crash-rate limit) with its delay as an IncarnationTimer;
// - StopEscalation: Goodbye (unload) or NodeShutdown (node stop), then SIGTERM after the grace
//   period, then SIGKILL; the same for a module that said Goodbye on its own (onGoodbye);
// - LivenessMonitor: missed heartbeats or a stalled handler -> unhealthy; silence beyond the
//   dead timeout -> hung -> killed (ModuleHealthChanged);
// - operator commands (supervisor_commands.cpp): load, unload, reload, forget, node shutdown.
// Time comes from Timers, processes from the ProcessSpawner: unit tests fake both.
// Thread rule: loop thread only.

#include <plexus/v1/config.pb.h>
#include <plexus/v1/control.pb.h>
#include <plexus/v1/wire.pb.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "delivery/event_manager.h"
#include "module_link/module_registry.h"
#include "plexus/ipc/result.h"
#include "plexus/ipc/thread_checker.h"
#include "plexus/ipc/zap_authenticator.h"
#include "runtime/timers.h"
#include "supervision/liveness_monitor.h"
#include "supervision/module_directory.h"
#include "supervision/module_launcher.h"
#include "supervision/module_record.h"
#include "supervision/output_pump.h"
#include "supervision/process_spawner.h"
#include "supervision/stop_escalation.h"

namespace plexus::host {

class Supervisor final : public ModuleRegistry, public ModuleDirectory {
 public:
  struct Dependencies {
    Timers& timers;
    EventManager& events;
    ProcessSpawner& spawner;
    ipc::ModuleCredentials& credentials;
    OutputPump& output;
    SendEnvelope send;  // to a connected module (Goodbye, a probing heartbeat)
  };

  // `config` with defaults applied (withDefaults()).
  Supervisor(Dependencies deps, v1::NodeConfig config, std::string moduleEndpoint,
             std::filesystem::path nodeDir);
  ~Supervisor() override;
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Starts every configured module that is not disabled; starts the liveness checks.
  void startConfigured();

  // ---- operator commands; `done` runs when the operation completed or failed ----
  // A full definition (hot load), or just a name of a configured, stopped or failed module.
  // Replies once the module is ready (or failed to get there).
  void load(const v1::ModuleConfig& module, ModuleCallback done) override;
  void unload(const std::string& moduleId, ModuleCallback done) override;  // once it exited
  void reload(const std::string& moduleId, ModuleCallback done) override;  // once ready again
  Result<v1::ModuleInfo> forget(const std::string& moduleId) override;

  // Node stop: every module gets NodeShutdown (sent by the node), then the same escalation; a
  // connected remote module gets the host's Goodbye right after it and is detached.
  // `allStopped` runs (posted) once no module process is left.
  void shutdown(std::function<void()> allStopped);
  // SIGKILL to every module process group now (a second signal during shutdown).
  void killAll();

  // ---- from the module server ----
  Result<HandshakeGrant> onHandshake(const std::string& moduleId, const v1::Handshake& handshake,
                                     std::uint32_t negotiatedMinor) override;
  // The node refused the module's handshake (e.g. protocol major): it will not be restarted.
  void onHandshakeRefused(const std::string& moduleId, const std::string& reason) override;
  void onReady(const std::string& moduleId) override;
  void onTraffic(const std::string& moduleId) override;
  void onGoodbye(const std::string& moduleId, const std::string& reason) override;
  void onUnreachable(const std::string& moduleId) override;
  void onRemotePeer(const std::string& moduleId, const std::string& address) override;

  // ---- queries ----
  std::vector<v1::ModuleInfo> modules() const override;
  std::optional<v1::ModuleInfo> module(const std::string& moduleId) const;
  // The configured module (with defaults) of a known id.
  const v1::ModuleConfig* moduleConfig(const std::string& moduleId) const override;
  bool isHandshaken(const std::string& moduleId) const override;
  bool isRunning(const std::string& moduleId) const override { return pidOf(moduleId) != 0; }
  bool isCurrentProcess(const std::string& moduleId, int pid) const override {
    return pid != 0 && pidOf(moduleId) == pid;
  }
  // A next incarnation is on its way and not connected yet: its restart is scheduled (crash
  // backoff), or it was spawned (restart, reload) and has not completed its handshake.
  bool restarting(const std::string& moduleId) const;
  std::uint32_t countInState(v1::ModuleState state) const override;
  int pidOf(const std::string& moduleId) const;

 private:
  ModuleRecord* find(const std::string& moduleId);
  const ModuleRecord* find(const std::string& moduleId) const;
  ModuleRecord& add(const v1::ModuleConfig& module, bool fromConfig);
  v1::ModuleInfo infoOf(const ModuleRecord& record) const;
  // A new incarnation (operator start, restart); failure settles the load/reload waiters.
  Status start(ModuleRecord& record);

  // supervisor_exits.cpp
  struct ExitSeen {
    std::uint64_t incarnation = 0;
    int pid = 0;
    ProcessExit exit;
    Timers::Clock::time_point at;
    std::optional<std::chrono::milliseconds> readyFor;  // nullopt: it never became ready
  };
  void onExit(const std::string& moduleId, std::uint64_t incarnation, ProcessExit exit);
  void onStopped(ModuleRecord& record, const ExitSeen& seen);
  void onEnded(ModuleRecord& record, const ExitSeen& seen);
  void scheduleRestart(ModuleRecord& record, std::chrono::milliseconds delay);

  // supervisor_remote.cpp: remote modules (docs/design.md "Remote modules")
  Result<HandshakeGrant> remoteHandshake(ModuleRecord& record, const v1::Handshake& handshake,
                                         std::uint32_t negotiatedMinor);
  // Its connection is gone (silent, unreachable): lost counted, ModuleCrashed, disconnected.
  void loseRemote(ModuleRecord& record, std::string reason);  // a copy: it may be killReason
  // It left (its Goodbye) or was unloaded: ModuleUnloaded, then `next`.
  void endRemote(ModuleRecord& record, const std::string& reason, v1::ModuleState next);
  void sayGoodbyeToRemote(ModuleRecord& record, const std::string& reason);  // if connected
  void unloadRemote(ModuleRecord& record, const ModuleCallback& done);
  // Node shutdown: each connected remote module gets its NodeShutdown, the host's Goodbye, and
  // is detached (disconnected).
  void shutdownRemote();
  void loadRemote(ModuleRecord& record, const ModuleCallback& done);

  // supervisor_commands.cpp
  void takeOverStop(ModuleRecord& record);
  void settleWaiters(ModuleRecord& record);
  void maybeFinishShutdown();

  Dependencies m_deps;
  v1::NodeConfig m_config;
  ModuleRecords m_records;
  ModuleLauncher m_launcher;
  StopEscalation m_stopper;
  LivenessMonitor m_liveness;
  bool m_shuttingDown = false;
  std::function<void()> m_allStopped;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
