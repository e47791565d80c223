#include "supervision/module_launcher.h"

#include <signal.h>

#include "plexus/ipc/protocol.h"
#include "runtime/logging.h"
#include "supervision/module_signal.h"

namespace plexus::host {

ModuleLauncher::ModuleLauncher(Dependencies deps, std::string endpoint,
                               std::filesystem::path nodeDir,
                               std::chrono::milliseconds handshakeTimeout)
    : m_deps(std::move(deps)),
      m_endpoint(std::move(endpoint)),
      m_nodeDir(std::move(nodeDir)),
      m_handshakeTimeout(handshakeTimeout) {}

Status ModuleLauncher::launch(ModuleRecord& record) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto log = logger("supervisor");
  const std::string id = record.id();
  auto fail = [&](const std::string& why) -> Status {
    record.state = v1::MODULE_STATE_FAILED;
    record.lastExit = why;
    log->error("module '{}' failed to start: {}", id, why);
    return makeError(v1::ERROR_CODE_INTERNAL, why);
  };
  auto executable = resolveExecutable(record.config.exec(), m_nodeDir);
  if (!executable) return fail(executable.error().message);

  SpawnRequest request;
  request.executable = *executable;
  request.args.assign(record.config.args().begin(), record.config.args().end());
  request.extraEnv[ipc::kEnvModuleId] = id;
  request.extraEnv[ipc::kEnvEndpoint] = m_endpoint;
  request.stdinData = m_deps.credentials.issue(id) + "\n";
  request.limits.addressSpaceBytes = record.config.limits().address_space_bytes();
  request.limits.openFiles = record.config.limits().open_files();
  request.limits.cpuSeconds = record.config.limits().cpu_seconds();
  const std::uint64_t incarnation = record.incarnation + 1;
  auto spawned =
      m_deps.spawner.spawn(request, [onExit = m_deps.onExit, id, incarnation](ProcessExit exit) {
        onExit(id, incarnation, exit);
      });
  if (!spawned) {
    m_deps.credentials.revoke(id);
    return fail(spawned.error().message);
  }
  m_deps.credentials.bindPid(id, spawned->pid);

  record.incarnation = incarnation;
  record.state = v1::MODULE_STATE_STARTING;
  record.pid = spawned->pid;
  record.startedAt = record.lastTraffic = m_deps.timers.now();
  record.readyAt.reset();
  record.health = v1::HEALTH_HEALTHY;
  record.healthReason.clear();
  if (spawned->stdoutFd >= 0) m_deps.output.watch(spawned->stdoutFd, id, "stdout");
  if (spawned->stderrFd >= 0) m_deps.output.watch(spawned->stderrFd, id, "stderr");
  record.handshakeTimer.start(m_handshakeTimeout, [this, &record] { handshakeTimedOut(record); });
  log->info("module '{}' starting: {} (pid {}, incarnation {})", id, *executable, record.pid,
            incarnation);
  return {};
}

void ModuleLauncher::handshakeTimedOut(ModuleRecord& record) {
  if (record.state != v1::MODULE_STATE_STARTING && record.state != v1::MODULE_STATE_HANDSHAKING) {
    return;
  }
  if (m_deps.timers.inGrace()) {  // the node was paused: the handshake may wait in the socket
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(m_deps.timers.graceUntil() -
                                                                   m_deps.timers.now());
    record.handshakeTimer.start(left, [this, &record] { handshakeTimedOut(record); });
    return;
  }
  record.killReason = "handshake timeout (" + std::to_string(m_handshakeTimeout.count()) + " ms)";
  signalModule(m_deps.spawner, record, SIGKILL, record.killReason);
}

}  // namespace plexus::host
