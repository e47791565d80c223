#pragma once

// Supervisor: the module processes (DESIGN.md "Module lifecycle").
//   starting -> handshaking -> ready -> stopping -> stopped | crashed | failed
// - spawns with the ProcessSpawner (token on stdin, PLEXUS_MODULE_ID / PLEXUS_ENDPOINT);
// - detects exit at once through the pidfd, reaps the child itself and kills what is left of
//   its process group;
// - applies the restart policy (RestartTracker: backoff, crash-rate limit);
// - watches liveness: missed heartbeats or a stalled handler -> unhealthy; silence beyond the
//   dead timeout -> hung -> killed; no handshake in time -> killed;
// - stops gracefully: Goodbye (unload) or NodeShutdown (node stop), then SIGTERM after the
//   grace period, then SIGKILL;
// - publishes ModuleUnloaded, ModuleCrashed and ModuleHealthChanged through the EventManager.
// Thread rule: loop thread only.

#include <plexus/v1/config.pb.h>
#include <plexus/v1/control.pb.h>
#include <plexus/v1/wire.pb.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "delivery/event_manager.h"
#include "module_link/module_registry.h"
#include "plexus/ipc/result.h"
#include "plexus/ipc/zap_authenticator.h"
#include "runtime/event_loop.h"
#include "supervision/module_directory.h"
#include "supervision/output_pump.h"
#include "supervision/process_spawner.h"
#include "supervision/restart_tracker.h"

namespace plexus::host {

class Supervisor final : public ModuleRegistry, public ModuleDirectory {
 public:
  using SendEnvelope = std::function<void(const std::string& moduleId, const v1::Envelope&)>;

  struct Dependencies {
    EventLoop& loop;
    EventManager& events;
    ProcessSpawner& spawner;
    ipc::ModuleCredentials& credentials;
    OutputPump& output;
    SendEnvelope send;  // to a connected module (Goodbye)
  };

  // `config` with defaults applied (withDefaults()).
  Supervisor(Dependencies deps, v1::NodeConfig config, std::string moduleEndpoint,
             std::filesystem::path nodeDir);
  ~Supervisor();
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

  // Node stop: every module gets NodeShutdown (sent by the node), then the same escalation.
  // `allStopped` runs once no module process is left.
  void shutdown(std::function<void()> allStopped);
  // SIGKILL to every module process group now (a second signal during shutdown).
  void killAll();

  // ---- from the module server ----
  Result<HandshakeGrant> onHandshake(const std::string& moduleId,
                                     const v1::Handshake& handshake) override;
  // The node refused the module's handshake (e.g. protocol major): it will not be restarted.
  void onHandshakeRefused(const std::string& moduleId, const std::string& reason) override;
  void onReady(const std::string& moduleId) override;
  void onTraffic(const std::string& moduleId) override;
  void onGoodbye(const std::string& moduleId, const std::string& reason) override;
  void onUnreachable(const std::string& moduleId) override;

  // ---- queries ----
  std::vector<v1::ModuleInfo> modules() const override;
  std::optional<v1::ModuleInfo> module(const std::string& moduleId) const;
  // The configured module (with defaults) of a known id.
  const v1::ModuleConfig* moduleConfig(const std::string& moduleId) const override;
  bool isHandshaken(const std::string& moduleId) const override;
  bool isRunning(const std::string& moduleId) const override { return pidOf(moduleId) != 0; }
  std::uint32_t countInState(v1::ModuleState state) const override;
  int pidOf(const std::string& moduleId) const;

 private:
  struct Record;

  Record* find(const std::string& moduleId);
  const Record* find(const std::string& moduleId) const;
  Record& add(const v1::ModuleConfig& module, bool fromConfig);
  Status start(Record& record);
  void onExit(const std::string& moduleId, std::uint64_t incarnation);
  void stop(Record& record, const std::string& reason, bool nodeShutdown);
  void signalGroup(Record& record, int signal, const std::string& why);
  void scheduleRestart(Record& record, std::chrono::milliseconds delay);
  void scheduleLivenessCheck();
  void checkLiveness();
  void setHealth(Record& record, v1::Health health, const std::string& reason);
  void settleWaiters(Record& record);
  void maybeFinishShutdown();
  v1::ModuleInfo infoOf(const Record& record) const;
  void publishLifecycle(v1::Event event);

  Dependencies m_deps;
  v1::NodeConfig m_config;
  std::string m_endpoint;
  std::filesystem::path m_nodeDir;
  std::vector<std::unique_ptr<Record>> m_records;  // config order, then load order
  std::optional<EventLoop::TimerId> m_livenessTimer;
  bool m_shuttingDown = false;
  std::function<void()> m_allStopped;
};

// "exit 0", "exit 3", "signal 9 (Killed)"
std::string describeExit(int code, int signal);

// Why a module that died from `signal` probably did, given the limits it ran under (SIGXCPU:
// its CPU time; SIGABRT/SIGSEGV/SIGBUS under an address-space limit: a failed allocation);
// empty when the limits explain nothing.
std::string limitExplanation(const v1::ResourceLimits& limits, int signal);

}  // namespace plexus::host
