#include "supervision/module_launcher.h"

#include <signal.h>

#include <cstdlib>

#include "plexus/ipc/protocol.h"
#include "runtime/logging.h"
#include "supervision/module_signal.h"

namespace plexus::host {

namespace {

// The Python module SDK that sits beside this plexus-node: the build tree's `python/` (bin/ and
// python/ are siblings there) or an install prefix's `share/plexus/python`; empty when neither
// holds it. Spawned modules get it first on their PYTHONPATH, so `import plexus` works in a
// Python module without the operator setting anything (module-sdk/python/README.md).
const std::string& pythonSdkPath() {
  static const std::string path = [] {
    const std::filesystem::path bin = selfDirectory();
    for (const auto& dir :
         {bin.parent_path() / "python", bin.parent_path() / "share/plexus/python"}) {
      std::error_code ec;
      if (std::filesystem::is_regular_file(dir / "plexus/__init__.py", ec)) {
        return dir.lexically_normal().string();
      }
    }
    return std::string();
  }();
  return path;
}

}  // namespace

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
  if (const std::string& sdk = pythonSdkPath(); !sdk.empty()) {
    const char* inherited = std::getenv("PYTHONPATH");
    request.extraEnv["PYTHONPATH"] =
        inherited != nullptr && *inherited != '\0' ? sdk + ":" + inherited : sdk;
  }
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
