// Supervisor: what happens when a module process exits. A requested stop ends in stopped
// (ModuleUnloaded, then the unload's reply, and the restart of a reload). Otherwise the
// restart policy decides: a clean exit is stopped (ModuleUnloaded "exited", or its Goodbye's
// reason when it left on its own), anything else crashed (ModuleCrashed with the reason); either
// may be restarted after the RestartTracker's backoff, or end in failed once the crash-rate limit
// is reached or the node refused the module's handshake.

#include "delivery/event_factory.h"
#include "runtime/logging.h"
#include "supervision/exit_report.h"
#include "supervision/supervisor.h"

namespace plexus::host {

void Supervisor::onExit(const std::string& moduleId, std::uint64_t incarnation, ProcessExit exit) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleRecord* record = find(moduleId);
  if (record == nullptr || record->incarnation != incarnation || record->pid == 0) return;
  ExitSeen seen{incarnation, record->pid, exit, m_deps.timers.now(), std::nullopt};
  record->pid = 0;
  record->handshakeTimer.cancel();
  record->termTimer.cancel();
  record->killTimer.cancel();
  m_deps.events.detach(moduleId);
  m_deps.credentials.revoke(moduleId);
  record->lastExit = describeExit(exit.code, exit.signal);
  if (record->readyAt) {
    seen.readyFor =
        std::chrono::duration_cast<std::chrono::milliseconds>(seen.at - *record->readyAt);
  }
  record->readyAt.reset();
  if (record->stopRequested) {
    onStopped(*record, seen);
  } else {
    onEnded(*record, seen);
  }
  settleWaiters(*record);
  maybeFinishShutdown();
}

// The exit the node asked for (unload, reload, node stop).
void Supervisor::onStopped(ModuleRecord& record, const ExitSeen& seen) {
  record.state = v1::MODULE_STATE_STOPPED;
  logger("supervisor")
      ->info("module '{}' stopped ({}, pid {})", record.id(), record.lastExit, seen.pid);
  v1::Event event = moduleUnloadedEvent(record.id(), record.stopReason, seen.incarnation);
  m_deps.events.publish(event.type(), serializeEvent(event));
  for (auto& done : std::exchange(record.stopWaiters, {}))
    done(infoOf(record));
  if (record.restartAfterStop && !m_shuttingDown) {
    record.restartAfterStop = false;
    ++record.restarts;
    (void)start(record);
  }
}

// An exit of the module's own (or the node killed it: handshake timeout, hung, unreachable).
// After its own Goodbye (record.leaving) the exit is clean unless it crashed by itself: when the
// escalation had to signal it (or it was killed as hung meanwhile), it did not exit after its
// Goodbye, which is reported as unloaded, not as a crash.
void Supervisor::onEnded(ModuleRecord& record, const ExitSeen& seen) {
  auto log = logger("supervisor");
  const bool escalated = record.leaving && (record.stopSignal != 0 || !record.killReason.empty());
  const bool clean = escalated || (seen.exit.code == 0 && record.killReason.empty());
  const auto policy = record.config.restart();
  std::optional<std::chrono::milliseconds> restartIn;
  bool gaveUp = false;
  if (!record.refusedReason.empty()) {
    gaveUp = true;  // the node refused it: restarting cannot help
  } else if (!m_shuttingDown && (policy == v1::RESTART_POLICY_ALWAYS ||
                                 (policy == v1::RESTART_POLICY_ON_FAILURE && !clean))) {
    restartIn = record.tracker.onExit(seen.at, !clean, seen.readyFor);
    gaveUp = !restartIn;
  }

  if (clean) {
    record.state = gaveUp ? v1::MODULE_STATE_FAILED : v1::MODULE_STATE_STOPPED;
    std::string reason = "exited";
    if (record.leaving) {
      reason = escalated ? record.stopReason + " (did not exit after Goodbye)" : record.stopReason;
      log->info("module '{}' left: {} ({}, pid {})", record.id(), reason, record.lastExit,
                seen.pid);
    } else {
      log->info("module '{}' exited cleanly (pid {})", record.id(), seen.pid);
    }
    v1::Event event = moduleUnloadedEvent(record.id(), reason, seen.incarnation);
    m_deps.events.publish(event.type(), serializeEvent(event));
  } else {
    const std::string reason = crashReason(record, seen.exit.signal);
    record.state = gaveUp ? v1::MODULE_STATE_FAILED : v1::MODULE_STATE_CRASHED;
    if (gaveUp && record.refusedReason.empty()) {
      log->error("module '{}' crashed ({}): {} crashes within {} ms, giving up (state failed)",
                 record.id(), reason, record.tracker.recentCrashes(),
                 m_config.timings().crash_window_ms());
    } else if (gaveUp) {
      log->error("module '{}' exited after its handshake was refused: {} (state failed)",
                 record.id(), reason);
    } else {
      log->warn("module '{}' crashed: {} (pid {}){}", record.id(), reason, seen.pid,
                restartIn ? ", restarting in " + std::to_string(restartIn->count()) + " ms"
                          : std::string(", not restarting (restart policy)"));
    }
    v1::Event event =
        moduleCrashedEvent(record.id(), seen.exit, reason, restartIn, seen.incarnation);
    m_deps.events.publish(event.type(), serializeEvent(event));
  }
  if (restartIn) scheduleRestart(record, *restartIn);
}

void Supervisor::scheduleRestart(ModuleRecord& record, std::chrono::milliseconds delay) {
  record.restartTimer.start(delay, [this, &record] {
    if (record.pid != 0 || m_shuttingDown) return;
    ++record.restarts;
    (void)start(record);
  });
}

}  // namespace plexus::host
