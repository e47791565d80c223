// Supervisor: the operator's commands (load, unload, reload, forget) and the node's stop. A command
// replies through its callback once it is done: load and reload once the module is ready (or
// can no longer get there), unload once the process exited; shutdown once no module process is
// left.

#include <signal.h>

#include <algorithm>

#include "config/config.h"
#include "config/journal_config.h"
#include "config/remote_config.h"
#include "runtime/logging.h"
#include "supervision/module_info.h"
#include "supervision/module_signal.h"
#include "supervision/supervisor.h"

namespace plexus::host {

namespace {

// Reload does not apply to remote modules, nor load to a new or redefined remote module
// (docs/design.md "Remote modules").
Error remoteRefusal(const std::string& moduleId, const char* command) {
  return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                   std::string(command) + ": module '" + moduleId +
                       "' is a remote module: the node does not spawn it and cannot " + command +
                       " it (it reconnects by itself; unload and load refuse and admit it)");
}

}  // namespace

void Supervisor::load(const v1::ModuleConfig& module, ModuleCallback done) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (m_shuttingDown) {
    done(makeError(v1::ERROR_CODE_UNAVAILABLE, "the node is shutting down"));
    return;
  }
  ModuleRecord* record = find(module.name());
  if (record != nullptr && isRemoteModule(record->config) && module.exec().empty() &&
      !isRemoteModule(module)) {
    loadRemote(*record, done);  // by name: admits it again
    return;
  }
  if (isRemoteModule(module) || (record != nullptr && isRemoteModule(record->config))) {
    done(remoteRefusal(module.name(), "load"));
    return;
  }
  const bool nameOnly = module.exec().empty();
  if (nameOnly && record == nullptr) {
    done(makeError(v1::ERROR_CODE_NOT_FOUND,
                   "no module '" + module.name() + "' is defined; give --exec to load a new one"));
    return;
  }
  if (record != nullptr && record->pid != 0) {
    done(makeError(v1::ERROR_CODE_ALREADY_EXISTS,
                   "module '" + module.name() + "' is already " + stateName(record->state)));
    return;
  }
  if (!nameOnly) {
    if (auto status = validateModule(module); !status) {
      done(status.error());
      return;
    }
    if (auto status = checkDurable(module, m_config); !status) {
      done(status.error());
      return;
    }
    if (record == nullptr) {
      record = &add(module, /*fromConfig=*/false);
    } else {
      record->setConfig(moduleWithDefaults(module, m_config));
    }
  }
  record->tracker.reset();
  record->readyWaiters.push_back(std::move(done));
  (void)start(*record);  // failure settles the waiter
}

void Supervisor::unload(const std::string& moduleId, ModuleCallback done) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleRecord* record = find(moduleId);
  if (record == nullptr) {
    done(makeError(v1::ERROR_CODE_NOT_FOUND, "no module '" + moduleId + "'"));
    return;
  }
  if (isRemoteModule(record->config)) {
    unloadRemote(*record, done);
    return;
  }
  if (record->pid == 0) {
    const bool waitingRestart = record->restartTimer.pending();
    m_stopper.stop(*record, "unloaded by operator", false);  // cancels a pending restart
    if (waitingRestart) {
      done(infoOf(*record));
    } else {
      done(makeError(v1::ERROR_CODE_UNAVAILABLE, "module '" + moduleId + "' is not running (" +
                                                     stateName(record->state) + ")"));
    }
    return;
  }
  record->stopWaiters.push_back(std::move(done));
  if (record->state == v1::MODULE_STATE_STOPPING && !m_shuttingDown) {
    // Already stopping: the unload wins. A reload's restart is called off, and a module that
    // is leaving on its own is now stopped by the operator (no restart policy after its exit).
    takeOverStop(*record);
    record->restartAfterStop = false;
    record->stopReason = "unloaded by operator";
  }
  m_stopper.stop(*record, "unloaded by operator", false);
}

void Supervisor::reload(const std::string& moduleId, ModuleCallback done) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleRecord* record = find(moduleId);
  if (record == nullptr) {
    done(makeError(v1::ERROR_CODE_NOT_FOUND, "no module '" + moduleId + "'"));
    return;
  }
  if (m_shuttingDown) {
    done(makeError(v1::ERROR_CODE_UNAVAILABLE, "the node is shutting down"));
    return;
  }
  if (isRemoteModule(record->config)) {
    done(remoteRefusal(moduleId, "reload"));
    return;
  }
  record->readyWaiters.push_back(std::move(done));
  if (record->pid == 0) {
    record->tracker.reset();
    ++record->restarts;
    (void)start(*record);
    return;
  }
  takeOverStop(*record);  // leaving on its own: the operator's reload restarts it after the exit
  m_stopper.stop(*record, "reloaded by operator", false);
  record->restartAfterStop = true;
}

// A module leaving on its own (its Goodbye) becomes the operator's stop: its exit is then
// reported and followed as the operator's command says, not by the restart policy.
void Supervisor::takeOverStop(ModuleRecord& record) {
  if (!record.leaving) return;
  record.leaving = false;
  record.stopRequested = true;
}

// The one definition of removal (docs/design.md, "Removing a module"): the record (config,
// state, restart history) and, through the EventManager, its statistics and subscriptions.
Result<v1::ModuleInfo> Supervisor::forget(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto it = std::find_if(m_records.begin(), m_records.end(),
                         [&](const auto& record) { return record->id() == moduleId; });
  if (it == m_records.end()) {
    return makeError(v1::ERROR_CODE_NOT_FOUND, "no module '" + moduleId + "'");
  }
  ModuleRecord& record = **it;
  const bool settled =
      record.pid == 0 && !record.restartTimer.pending() &&
      (record.state == v1::MODULE_STATE_STOPPED || record.state == v1::MODULE_STATE_FAILED ||
       record.state == v1::MODULE_STATE_CRASHED);
  if (!settled) {
    const std::string what =
        record.restartTimer.pending() ? "waiting for a restart" : stateName(record.state);
    return makeError(v1::ERROR_CODE_UNAVAILABLE,
                     "module '" + moduleId + "' is " + what +
                         "; only a stopped or failed module can be forgotten (unload it first)");
  }
  v1::ModuleInfo info = infoOf(record);
  m_deps.events.forget(moduleId);
  m_records.erase(it);  // its timers are idle (no process, no restart pending) and go with it
  logger("supervisor")->info("module '{}' forgotten", moduleId);
  return info;
}

void Supervisor::shutdown(std::function<void()> allStopped) {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_shuttingDown = true;
  m_allStopped = std::move(allStopped);
  m_liveness.stop();
  for (auto& record : m_records)
    m_stopper.stop(*record, "node shutdown", /*nodeShutdown=*/true);
  shutdownRemote();
  maybeFinishShutdown();
}

void Supervisor::killAll() {
  PLEXUS_ASSERT_THREAD(m_thread);
  for (auto& record : m_records) {
    if (record->pid == 0) continue;
    if (!record->stopRequested) record->killReason = "killed by the node";
    signalModule(m_deps.spawner, *record, SIGKILL, "immediate shutdown");
  }
}

void Supervisor::maybeFinishShutdown() {
  if (!m_shuttingDown || !m_allStopped) return;
  for (const auto& record : m_records) {
    if (record->pid != 0) return;
  }
  m_deps.timers.post(std::exchange(m_allStopped, {}));
}

// load/reload waiters settle when the module is ready, or when it can no longer get there.
void Supervisor::settleWaiters(ModuleRecord& record) {
  if (record.readyWaiters.empty()) return;
  if (record.state == v1::MODULE_STATE_READY) {
    for (auto& done : std::exchange(record.readyWaiters, {}))
      done(infoOf(record));
    return;
  }
  if (record.pid == 0 && !record.restartAfterStop) {
    std::string why = "module '" + record.id() +
                      "' did not become ready: " + stateName(record.state) +
                      (record.lastExit.empty() ? "" : " (" + record.lastExit + ")");
    for (auto& done : std::exchange(record.readyWaiters, {})) {
      done(makeError(v1::ERROR_CODE_UNAVAILABLE, why));
    }
  }
}

}  // namespace plexus::host
