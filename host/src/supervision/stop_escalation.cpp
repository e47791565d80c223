#include "supervision/stop_escalation.h"

#include <signal.h>

#include "plexus/ipc/envelope_codec.h"
#include "runtime/logging.h"
#include "supervision/module_signal.h"

namespace plexus::host {

StopEscalation::StopEscalation(Dependencies deps, std::chrono::milliseconds grace,
                               std::chrono::milliseconds killAfter)
    : m_deps(std::move(deps)), m_grace(grace), m_killAfter(killAfter) {}

void StopEscalation::stop(ModuleRecord& record, const std::string& reason, bool nodeShutdown) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (record.restartTimer.pending()) {
    record.restartTimer.cancel();
    if (record.state == v1::MODULE_STATE_CRASHED) record.state = v1::MODULE_STATE_STOPPED;
  }
  if (record.pid == 0 || record.state == v1::MODULE_STATE_STOPPING) return;
  const bool connected = isConnectedState(record.state);
  record.stopRequested = true;
  beginStopping(record, reason);
  if (!connected) {
    record.stopSignal = SIGTERM;
    signalModule(m_deps.spawner, record, SIGTERM, "not connected, cannot be asked to stop");
  } else if (!nodeShutdown) {
    v1::Envelope goodbye;
    ipc::stampVersion(goodbye);
    goodbye.mutable_goodbye()->set_reason(reason);
    m_deps.send(record.id(), goodbye);
  }
  escalate(record);
}

void StopEscalation::leave(ModuleRecord& record, const std::string& reason) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (record.pid == 0 || record.state == v1::MODULE_STATE_STOPPING) return;
  record.leaving = true;
  beginStopping(record, reason);
  escalate(record);
}

void StopEscalation::beginStopping(ModuleRecord& record, const std::string& reason) {
  record.stopReason = reason;
  record.state = v1::MODULE_STATE_STOPPING;
  m_deps.events.beginStopping(record.id());
  logger("supervisor")->info("module '{}' stopping: {}", record.id(), reason);
}

void StopEscalation::escalate(ModuleRecord& record) {
  record.termTimer.start(m_grace, [this, &record] {
    if (record.pid == 0) return;
    record.stopSignal = SIGTERM;
    signalModule(m_deps.spawner, record, SIGTERM, "still running after the grace period");
    record.killTimer.start(m_killAfter, [this, &record] {
      if (record.pid == 0) return;
      record.stopSignal = SIGKILL;
      signalModule(m_deps.spawner, record, SIGKILL, "still running after SIGTERM");
    });
  });
}

}  // namespace plexus::host
