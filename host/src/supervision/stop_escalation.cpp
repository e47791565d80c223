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
  record.stopReason = reason;
  record.state = v1::MODULE_STATE_STOPPING;
  m_deps.events.beginStopping(record.id());
  logger("supervisor")->info("module '{}' stopping: {}", record.id(), reason);
  if (!connected) {
    signalModule(m_deps.spawner, record, SIGTERM, "not connected, cannot be asked to stop");
  } else if (!nodeShutdown) {
    v1::Envelope goodbye;
    ipc::stampVersion(goodbye);
    goodbye.mutable_goodbye()->set_reason(reason);
    m_deps.send(record.id(), goodbye);
  }
  record.termTimer.start(m_grace, [this, &record] {
    if (record.pid == 0) return;
    signalModule(m_deps.spawner, record, SIGTERM, "still running after the grace period");
    record.killTimer.start(m_killAfter, [this, &record] {
      if (record.pid == 0) return;
      signalModule(m_deps.spawner, record, SIGKILL, "still running after SIGTERM");
    });
  });
}

}  // namespace plexus::host
