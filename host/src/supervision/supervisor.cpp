#include "supervision/supervisor.h"

#include <signal.h>

#include "config/config.h"
#include "config/remote_config.h"
#include "runtime/logging.h"
#include "supervision/module_info.h"
#include "supervision/module_signal.h"

namespace plexus::host {

namespace {

RestartTracker::Policy restartPolicyOf(const v1::Timings& t) {
  RestartTracker::Policy policy;
  policy.initialBackoff = ms(t.restart_backoff_initial_ms());
  policy.maxBackoff = ms(t.restart_backoff_max_ms());
  policy.crashLimit = t.crash_limit();
  policy.crashWindow = ms(t.crash_window_ms());
  policy.stableAfter = ms(t.stable_after_ms());
  return policy;
}

}  // namespace

Supervisor::Supervisor(Dependencies deps, v1::NodeConfig config, std::string moduleEndpoint,
                       std::filesystem::path nodeDir)
    : m_deps(std::move(deps)),
      m_config(std::move(config)),
      m_launcher({m_deps.timers, m_deps.spawner, m_deps.credentials, m_deps.output,
                  [this](const std::string& id, std::uint64_t incarnation, ProcessExit exit) {
                    onExit(id, incarnation, exit);
                  }},
                 std::move(moduleEndpoint), std::move(nodeDir),
                 ms(m_config.timings().handshake_timeout_ms())),
      m_stopper({m_deps.spawner, m_deps.events, m_deps.send},
                ms(m_config.timings().shutdown_grace_ms()), ms(m_config.timings().kill_after_ms())),
      m_liveness(
          {m_deps.timers, m_deps.events, m_deps.spawner, m_deps.send,
           [this](ModuleRecord& record, const std::string& reason) { loseRemote(record, reason); }},
          m_records, m_config.timings()) {
  for (const auto& module : m_config.module())
    add(module, /*fromConfig=*/true);
}

Supervisor::~Supervisor() {
  // The node normally shuts down gracefully first; whatever still runs dies with us.
  for (auto& record : m_records) {
    if (record->pid > 0) m_deps.spawner.abandon(record->pid);
  }
}

ModuleRecord* Supervisor::find(const std::string& moduleId) {
  for (auto& record : m_records) {
    if (record->id() == moduleId) return record.get();
  }
  return nullptr;
}

const ModuleRecord* Supervisor::find(const std::string& moduleId) const {
  return const_cast<Supervisor*>(this)->find(moduleId);
}

ModuleRecord& Supervisor::add(const v1::ModuleConfig& module, bool fromConfig) {
  m_records.push_back(
      std::make_unique<ModuleRecord>(m_deps.timers, moduleWithDefaults(module, m_config),
                                     fromConfig, restartPolicyOf(m_config.timings())));
  // A remote module is never spawned: it waits for its own connection (the CURVE endpoint,
  // docs/design.md "Remote modules").
  if (isRemoteModule(module)) m_records.back()->state = v1::MODULE_STATE_DISCONNECTED;
  return *m_records.back();
}

v1::ModuleInfo Supervisor::infoOf(const ModuleRecord& record) const {
  return moduleInfoOf(record, m_deps.timers.now());
}

void Supervisor::startConfigured() {
  PLEXUS_ASSERT_THREAD(m_thread);
  for (auto& record : m_records) {
    if (!record->config.disabled() && !isRemoteModule(record->config)) (void)start(*record);
  }
  m_liveness.start();
}

Status Supervisor::start(ModuleRecord& record) {
  record.stopRequested = record.restartAfterStop = record.leaving = false;
  record.stopSignal = 0;
  record.killReason.clear();
  record.refusedReason.clear();
  record.stopReason.clear();
  record.restartTimer.cancel();
  auto status = m_launcher.launch(record);
  if (!status) settleWaiters(record);
  return status;
}

// ---- from the module server ----

Result<HandshakeGrant> Supervisor::onHandshake(const std::string& moduleId,
                                               const v1::Handshake& handshake,
                                               std::uint32_t negotiatedMinor) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleRecord* record = find(moduleId);
  if (record != nullptr && isRemoteModule(record->config)) {
    return remoteHandshake(*record, handshake, negotiatedMinor);
  }
  if (record == nullptr || record->pid == 0) {
    return makeError(v1::ERROR_CODE_NOT_FOUND, "module '" + moduleId + "' is not running");
  }
  if (record->state != v1::MODULE_STATE_STARTING) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     "module '" + moduleId + "' already completed its handshake");
  }
  if (handshake.module_id() != moduleId) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     "handshake names module '" + handshake.module_id() +
                         "' but the connection is authenticated as '" + moduleId + "'");
  }
  record->name = handshake.name().empty() ? moduleId : handshake.name();
  record->version = handshake.version();
  record->state = v1::MODULE_STATE_HANDSHAKING;
  m_deps.events.attach(attachmentOf(*record, negotiatedMinor));
  logger("supervisor")
      ->debug("module '{}' handshake: {} {}", moduleId, record->name, record->version);
  return grantOf(*record, m_config.timings());
}

void Supervisor::onReady(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleRecord* record = find(moduleId);
  if (record == nullptr || record->state != v1::MODULE_STATE_HANDSHAKING) return;
  record->state = v1::MODULE_STATE_READY;
  record->readyAt = m_deps.timers.now();
  record->handshakeTimer.cancel();
  logger("supervisor")
      ->info("module '{}' ready ({} {}, pid {}, incarnation {})", moduleId, record->name,
             record->version, record->pid, record->incarnation);
  settleWaiters(*record);
}

void Supervisor::onHandshakeRefused(const std::string& moduleId, const std::string& reason) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleRecord* record = find(moduleId);
  if (record == nullptr || record->pid == 0) return;
  record->refusedReason = "handshake refused: " + reason;
  logger("supervisor")->error("module '{}': {}", moduleId, record->refusedReason);
}

void Supervisor::onTraffic(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (ModuleRecord* record = find(moduleId)) record->lastTraffic = m_deps.timers.now();
}

void Supervisor::onGoodbye(const std::string& moduleId, const std::string& reason) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleRecord* record = find(moduleId);
  if (record != nullptr && isRemoteModule(record->config)) {
    endRemote(*record, reason.empty() ? std::string("goodbye") : reason,
              record->state == v1::MODULE_STATE_UNLOADED ? v1::MODULE_STATE_UNLOADED
                                                         : v1::MODULE_STATE_DISCONNECTED);
    return;
  }
  if (record == nullptr || record->pid == 0) return;
  logger("supervisor")
      ->info("module '{}' says goodbye{}{}", moduleId, reason.empty() ? "" : ": ", reason);
  if (record->state == v1::MODULE_STATE_READY) {
    // On its own (a Goodbye answering the node's is sent while stopping; one after a refused
    // subscription before ready): it is leaving, exactly as if unloaded, but by itself.
    m_stopper.leave(*record, reason.empty() ? std::string("goodbye") : reason);
    return;
  }
  // No more events for it (they count as failed) until its exit is seen.
  m_deps.events.beginStopping(moduleId);
}

void Supervisor::onUnreachable(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleRecord* record = find(moduleId);
  if (record != nullptr && isRemoteModule(record->config)) {
    // Later, on the loop: a send found it gone, maybe in the middle of a delivery.
    if (!isConnectedState(record->state) || !record->killReason.empty()) return;
    record->killReason = "unreachable";
    m_deps.timers.post([this, moduleId, incarnation = record->incarnation] {
      ModuleRecord* lost = find(moduleId);
      if (lost != nullptr && lost->incarnation == incarnation) loseRemote(*lost, "unreachable");
    });
    return;
  }
  if (record == nullptr || record->pid == 0) return;
  record->killReason = "connection lost";
  signalModule(m_deps.spawner, *record, SIGKILL, record->killReason);
}

// ---- queries ----

std::vector<v1::ModuleInfo> Supervisor::modules() const {
  PLEXUS_ASSERT_THREAD(m_thread);
  std::vector<v1::ModuleInfo> out;
  for (const auto& record : m_records)
    out.push_back(infoOf(*record));
  return out;
}

std::optional<v1::ModuleInfo> Supervisor::module(const std::string& moduleId) const {
  PLEXUS_ASSERT_THREAD(m_thread);
  const ModuleRecord* record = find(moduleId);
  if (record == nullptr) return std::nullopt;
  return infoOf(*record);
}

const v1::ModuleConfig* Supervisor::moduleConfig(const std::string& moduleId) const {
  PLEXUS_ASSERT_THREAD(m_thread);
  const ModuleRecord* record = find(moduleId);
  return record ? &record->config : nullptr;
}

bool Supervisor::isHandshaken(const std::string& moduleId) const {
  PLEXUS_ASSERT_THREAD(m_thread);
  const ModuleRecord* record = find(moduleId);
  return record != nullptr && isConnectedState(record->state);
}

bool Supervisor::restarting(const std::string& moduleId) const {
  PLEXUS_ASSERT_THREAD(m_thread);
  const ModuleRecord* record = find(moduleId);
  if (record == nullptr || m_shuttingDown) return false;
  if (record->pid == 0) return record->restartTimer.pending();
  return record->state == v1::MODULE_STATE_STARTING ||
         record->state == v1::MODULE_STATE_HANDSHAKING;
}

std::uint32_t Supervisor::countInState(v1::ModuleState state) const {
  PLEXUS_ASSERT_THREAD(m_thread);
  std::uint32_t count = 0;
  for (const auto& record : m_records)
    count += record->state == state ? 1 : 0;
  return count;
}

int Supervisor::pidOf(const std::string& moduleId) const {
  PLEXUS_ASSERT_THREAD(m_thread);
  const ModuleRecord* record = find(moduleId);
  return record ? record->pid : 0;
}

}  // namespace plexus::host
