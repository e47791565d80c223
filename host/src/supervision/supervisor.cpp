#include "supervision/supervisor.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "config/config.h"
#include "delivery/event_factory.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"
#include "runtime/logging.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace plexus::host {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

RestartTracker::Policy restartPolicyOf(const v1::Timings& t) {
  RestartTracker::Policy policy;
  policy.initialBackoff = ms(t.restart_backoff_initial_ms());
  policy.maxBackoff = ms(t.restart_backoff_max_ms());
  policy.crashLimit = t.crash_limit();
  policy.crashWindow = ms(t.crash_window_ms());
  policy.stableAfter = ms(t.stable_after_ms());
  return policy;
}

v1::Envelope hostHeartbeat() {
  v1::Envelope envelope;
  envelope.set_protocol_major(ipc::kProtocolMajor);
  envelope.set_protocol_minor(ipc::kProtocolMinor);
  envelope.mutable_heartbeat();
  return envelope;
}

const char* stateName(v1::ModuleState state) {
  switch (state) {
    case v1::MODULE_STATE_STARTING:
      return "starting";
    case v1::MODULE_STATE_HANDSHAKING:
      return "handshaking";
    case v1::MODULE_STATE_READY:
      return "ready";
    case v1::MODULE_STATE_STOPPING:
      return "stopping";
    case v1::MODULE_STATE_STOPPED:
      return "stopped";
    case v1::MODULE_STATE_CRASHED:
      return "crashed";
    case v1::MODULE_STATE_FAILED:
      return "failed";
    default:
      return "unknown";
  }
}

}  // namespace

std::string limitExplanation(const v1::ResourceLimits& limits, int signal) {
  if (signal == SIGXCPU && limits.cpu_seconds() > 0) {
    return "it used up its CPU time limit (limits.cpu_seconds = " +
           std::to_string(limits.cpu_seconds()) + ")";
  }
  if (signal == SIGKILL && limits.cpu_seconds() > 0) {  // not the node's: it said why it killed
    return "it ignored SIGXCPU and reached the hard CPU limit, a few seconds after "
           "limits.cpu_seconds = " +
           std::to_string(limits.cpu_seconds());
  }
  if ((signal == SIGABRT || signal == SIGSEGV || signal == SIGBUS) &&
      limits.address_space_bytes() > 0) {
    return "it ran under an address-space limit of " +
           std::to_string(limits.address_space_bytes()) +
           " bytes (limits.address_space_bytes); a failed allocation is the likely cause";
  }
  return {};
}

std::string describeExit(int code, int signal) {
  if (signal != 0) {
    const char* name = ::strsignal(signal);
    return "signal " + std::to_string(signal) + " (" + (name ? name : "?") + ")";
  }
  return "exit " + std::to_string(code);
}

struct Supervisor::Record {
  explicit Record(RestartTracker::Policy policy) : tracker(policy) {}

  v1::ModuleConfig config;  // with defaults
  bool fromConfig = false;
  v1::ModuleState state = v1::MODULE_STATE_STOPPED;
  pid_t pid = 0;
  int pidfd = -1;
  std::uint64_t incarnation = 0;
  std::uint32_t restarts = 0;
  std::string lastExit;
  std::string name;
  std::string version;
  v1::Health health = v1::HEALTH_HEALTHY;
  std::string healthReason;
  Clock::time_point startedAt{};
  std::optional<Clock::time_point> readyAt;
  Clock::time_point lastTraffic{};
  std::optional<EventLoop::TimerId> handshakeTimer, restartTimer, termTimer, killTimer;
  bool stopRequested = false;
  std::string stopReason;
  std::string killReason;         // why the node killed it (handshake timeout, hung)
  std::string refusedReason;      // the node refused its handshake: do not restart
  bool restartAfterStop = false;  // reload
  RestartTracker tracker;
  std::vector<ModuleCallback> readyWaiters;  // load / reload
  std::vector<ModuleCallback> stopWaiters;   // unload
};

Supervisor::Supervisor(Dependencies deps, v1::NodeConfig config, std::string moduleEndpoint,
                       std::filesystem::path nodeDir)
    : m_deps(std::move(deps)),
      m_config(std::move(config)),
      m_endpoint(std::move(moduleEndpoint)),
      m_nodeDir(std::move(nodeDir)) {
  for (const auto& module : m_config.module())
    add(module, /*fromConfig=*/true);
}

Supervisor::~Supervisor() {
  // The node normally shuts down gracefully first; whatever still runs dies with us.
  for (auto& record : m_records) {
    if (record->pid > 0) ::kill(-record->pid, SIGKILL);
    if (record->pidfd >= 0) ::close(record->pidfd);
  }
}

Supervisor::Record* Supervisor::find(const std::string& moduleId) {
  for (auto& record : m_records) {
    if (record->config.name() == moduleId) return record.get();
  }
  return nullptr;
}

const Supervisor::Record* Supervisor::find(const std::string& moduleId) const {
  return const_cast<Supervisor*>(this)->find(moduleId);
}

Supervisor::Record& Supervisor::add(const v1::ModuleConfig& module, bool fromConfig) {
  auto record = std::make_unique<Record>(restartPolicyOf(m_config.timings()));
  record->config = moduleWithDefaults(module, m_config);
  record->fromConfig = fromConfig;
  m_records.push_back(std::move(record));
  return *m_records.back();
}

void Supervisor::startConfigured() {
  for (auto& record : m_records) {
    if (!record->config.disabled()) (void)start(*record);
  }
  scheduleLivenessCheck();
}

void Supervisor::scheduleLivenessCheck() {
  const auto interval = std::max<std::uint64_t>(m_config.timings().heartbeat_interval_ms() / 2, 20);
  m_livenessTimer = m_deps.loop.runAfter(ms(interval), [this] {
    checkLiveness();
    scheduleLivenessCheck();
  });
}

Status Supervisor::start(Record& record) {
  auto log = logger("supervisor");
  const std::string id = record.config.name();
  record.stopRequested = record.restartAfterStop = false;
  record.killReason.clear();
  record.refusedReason.clear();
  record.stopReason.clear();
  if (record.restartTimer) {
    m_deps.loop.cancel(*record.restartTimer);
    record.restartTimer.reset();
  }
  auto fail = [&](const std::string& why) -> Status {
    record.state = v1::MODULE_STATE_FAILED;
    record.lastExit = why;
    log->error("module '{}' failed to start: {}", id, why);
    settleWaiters(record);
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
  auto spawned = m_deps.spawner.spawn(request);
  if (!spawned) {
    m_deps.credentials.revoke(id);
    return fail(spawned.error().message);
  }
  m_deps.credentials.bindPid(id, spawned->pid);

  ++record.incarnation;
  record.state = v1::MODULE_STATE_STARTING;
  record.pid = spawned->pid;
  record.pidfd = spawned->pidfd;
  record.startedAt = record.lastTraffic = Clock::now();
  record.readyAt.reset();
  record.health = v1::HEALTH_HEALTHY;
  record.healthReason.clear();
  const std::uint64_t incarnation = record.incarnation;
  m_deps.loop.addFd(record.pidfd, [this, id, incarnation] { onExit(id, incarnation); });
  if (spawned->stdoutFd >= 0) m_deps.output.watch(spawned->stdoutFd, id, "stdout");
  if (spawned->stderrFd >= 0) m_deps.output.watch(spawned->stderrFd, id, "stderr");
  record.handshakeTimer =
      m_deps.loop.runAfter(ms(m_config.timings().handshake_timeout_ms()), [this, id, incarnation] {
        Record* r = find(id);
        if (r == nullptr || r->incarnation != incarnation) return;
        r->handshakeTimer.reset();
        if (r->state != v1::MODULE_STATE_STARTING && r->state != v1::MODULE_STATE_HANDSHAKING) {
          return;
        }
        r->killReason = "handshake timeout (" +
                        std::to_string(m_config.timings().handshake_timeout_ms()) + " ms)";
        signalGroup(*r, SIGKILL, r->killReason);
      });
  log->info("module '{}' starting: {} (pid {}, incarnation {})", id, *executable, record.pid,
            incarnation);
  return {};
}

Result<HandshakeGrant> Supervisor::onHandshake(const std::string& moduleId,
                                               const v1::Handshake& handshake) {
  Record* record = find(moduleId);
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

  ModuleAttachment attachment;
  attachment.moduleId = moduleId;
  attachment.name = record->name;
  attachment.version = record->version;
  attachment.incarnation = record->incarnation;
  attachment.pid = record->pid;
  attachment.capacity = record->config.channel_capacity();
  attachment.policy = record->config.policy() == v1::DELIVERY_POLICY_BLOCK ? DeliveryPolicy::Block
                                                                           : DeliveryPolicy::Drop;
  if (record->config.capabilities().subscribe_size() > 0) {
    attachment.subscribeAllowed.reset();
    for (int type : record->config.capabilities().subscribe()) {
      attachment.subscribeAllowed.set(static_cast<std::size_t>(type));
    }
  }
  m_deps.events.attach(attachment);

  HandshakeGrant grant;
  grant.capacity = record->config.channel_capacity();
  grant.incarnation = record->incarnation;
  grant.heartbeatIntervalMs =
      static_cast<std::uint32_t>(m_config.timings().heartbeat_interval_ms());
  grant.settings.insert(record->config.settings().begin(), record->config.settings().end());
  logger("supervisor")
      ->debug("module '{}' handshake: {} {}", moduleId, record->name, record->version);
  return grant;
}

void Supervisor::onReady(const std::string& moduleId) {
  Record* record = find(moduleId);
  if (record == nullptr || record->state != v1::MODULE_STATE_HANDSHAKING) return;
  record->state = v1::MODULE_STATE_READY;
  record->readyAt = Clock::now();
  if (record->handshakeTimer) {
    m_deps.loop.cancel(*record->handshakeTimer);
    record->handshakeTimer.reset();
  }
  logger("supervisor")
      ->info("module '{}' ready ({} {}, pid {}, incarnation {})", moduleId, record->name,
             record->version, record->pid, record->incarnation);
  settleWaiters(*record);
}

void Supervisor::onHandshakeRefused(const std::string& moduleId, const std::string& reason) {
  Record* record = find(moduleId);
  if (record == nullptr || record->pid == 0) return;
  record->refusedReason = "handshake refused: " + reason;
  logger("supervisor")->error("module '{}': {}", moduleId, record->refusedReason);
}

void Supervisor::onTraffic(const std::string& moduleId) {
  if (Record* record = find(moduleId)) record->lastTraffic = Clock::now();
}

void Supervisor::onGoodbye(const std::string& moduleId, const std::string& reason) {
  Record* record = find(moduleId);
  if (record == nullptr || record->pid == 0) return;
  logger("supervisor")
      ->info("module '{}' says goodbye{}{}", moduleId, reason.empty() ? "" : ": ", reason);
  // It is leaving: no more events for it (they count as failed) until its exit is seen.
  m_deps.events.beginStopping(moduleId);
}

void Supervisor::onUnreachable(const std::string& moduleId) {
  Record* record = find(moduleId);
  if (record == nullptr || record->pid == 0) return;
  record->killReason = "connection lost";
  signalGroup(*record, SIGKILL, record->killReason);
}

void Supervisor::signalGroup(Record& record, int signal, const std::string& why) {
  if (record.pid <= 0) return;
  logger("supervisor")
      ->warn("module '{}' (pid {}): sending {}: {}", record.config.name(), record.pid,
             ::sigabbrev_np(signal) ? ::sigabbrev_np(signal) : "?", why);
  // The pidfd reaches the leader even if its group is not set up yet; the group reaches
  // everything the module started.
  ::syscall(SYS_pidfd_send_signal, record.pidfd, signal, nullptr, 0);
  ::kill(-record.pid, signal);
}

void Supervisor::onExit(const std::string& moduleId, std::uint64_t incarnation) {
  Record* record = find(moduleId);
  if (record == nullptr || record->incarnation != incarnation || record->pidfd < 0) return;
  siginfo_t info{};
  if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(record->pidfd), &info,
               WEXITED | WNOHANG) != 0 ||
      info.si_pid == 0) {
    return;  // not exited after all
  }
  const int code = info.si_code == CLD_EXITED ? info.si_status : -1;
  const int sig = info.si_code == CLD_EXITED ? 0 : info.si_status;
  ::kill(-record->pid, SIGKILL);  // nothing of its process group outlives it
  m_deps.loop.removeFd(record->pidfd);
  ::close(record->pidfd);
  record->pidfd = -1;
  const pid_t pid = record->pid;
  record->pid = 0;
  for (auto* timer : {&record->handshakeTimer, &record->termTimer, &record->killTimer}) {
    if (*timer) m_deps.loop.cancel(**timer);
    timer->reset();
  }
  m_deps.events.detach(moduleId);
  m_deps.credentials.revoke(moduleId);
  record->lastExit = describeExit(code, sig);
  const auto now = Clock::now();
  std::optional<milliseconds> readyFor;
  if (record->readyAt) readyFor = duration_cast<milliseconds>(now - *record->readyAt);
  record->readyAt.reset();
  auto log = logger("supervisor");

  if (record->stopRequested) {
    record->state = v1::MODULE_STATE_STOPPED;
    log->info("module '{}' stopped ({}, pid {})", moduleId, record->lastExit, pid);
    v1::Event event = hostEvent(v1::EVENT_TYPE_MODULE_UNLOADED);
    event.mutable_module_unloaded()->set_module_id(moduleId);
    event.mutable_module_unloaded()->set_reason(record->stopReason);
    event.mutable_module_unloaded()->set_incarnation(incarnation);
    publishLifecycle(std::move(event));
    for (auto& done : std::exchange(record->stopWaiters, {}))
      done(infoOf(*record));
    if (record->restartAfterStop && !m_shuttingDown) {
      record->restartAfterStop = false;
      ++record->restarts;
      (void)start(*record);
    }
    settleWaiters(*record);
    maybeFinishShutdown();
    return;
  }

  const bool clean = code == 0 && record->killReason.empty();
  const auto policy = record->config.restart();
  std::optional<milliseconds> restartIn;
  bool gaveUp = false;
  if (!record->refusedReason.empty()) {
    gaveUp = true;  // the node refused it: restarting cannot help
  } else if (!m_shuttingDown && (policy == v1::RESTART_POLICY_ALWAYS ||
                                 (policy == v1::RESTART_POLICY_ON_FAILURE && !clean))) {
    restartIn = record->tracker.onExit(now, !clean, readyFor);
    gaveUp = !restartIn;
  }

  if (clean) {
    record->state = gaveUp ? v1::MODULE_STATE_FAILED : v1::MODULE_STATE_STOPPED;
    log->info("module '{}' exited cleanly (pid {})", moduleId, pid);
    v1::Event event = hostEvent(v1::EVENT_TYPE_MODULE_UNLOADED);
    event.mutable_module_unloaded()->set_module_id(moduleId);
    event.mutable_module_unloaded()->set_reason("exited");
    event.mutable_module_unloaded()->set_incarnation(incarnation);
    publishLifecycle(std::move(event));
  } else {
    std::string reason = !record->refusedReason.empty() ? record->refusedReason
                         : !record->killReason.empty()  ? record->killReason
                                                        : record->lastExit;
    if (record->killReason.empty()) {
      if (auto limit = limitExplanation(record->config.limits(), sig); !limit.empty()) {
        reason += ": " + limit;
      }
    }
    record->state = gaveUp ? v1::MODULE_STATE_FAILED : v1::MODULE_STATE_CRASHED;
    if (gaveUp && record->refusedReason.empty()) {
      log->error("module '{}' crashed ({}): {} crashes within {} ms, giving up (state failed)",
                 moduleId, reason, record->tracker.recentCrashes(),
                 m_config.timings().crash_window_ms());
    } else if (gaveUp) {
      log->error("module '{}' exited after its handshake was refused: {} (state failed)", moduleId,
                 reason);
    } else {
      log->warn("module '{}' crashed: {} (pid {}){}", moduleId, reason, pid,
                restartIn ? ", restarting in " + std::to_string(restartIn->count()) + " ms"
                          : std::string(", not restarting (restart policy)"));
    }
    v1::Event event = hostEvent(v1::EVENT_TYPE_MODULE_CRASHED);
    auto* crashed = event.mutable_module_crashed();
    crashed->set_module_id(moduleId);
    crashed->set_exit_code(code);
    crashed->set_signal(sig);
    crashed->set_reason(reason);
    crashed->set_restart_scheduled(restartIn.has_value());
    crashed->set_restart_in_ms(restartIn ? static_cast<std::uint64_t>(restartIn->count()) : 0);
    crashed->set_incarnation(incarnation);
    publishLifecycle(std::move(event));
  }
  if (restartIn) scheduleRestart(*record, *restartIn);
  settleWaiters(*record);
  maybeFinishShutdown();
}

void Supervisor::scheduleRestart(Record& record, milliseconds delay) {
  const std::string id = record.config.name();
  record.restartTimer = m_deps.loop.runAfter(delay, [this, id] {
    Record* r = find(id);
    if (r == nullptr || r->pid != 0 || m_shuttingDown) return;
    r->restartTimer.reset();
    ++r->restarts;
    (void)start(*r);
  });
}

void Supervisor::stop(Record& record, const std::string& reason, bool nodeShutdown) {
  const std::string id = record.config.name();
  if (record.restartTimer) {
    m_deps.loop.cancel(*record.restartTimer);
    record.restartTimer.reset();
    if (record.state == v1::MODULE_STATE_CRASHED) record.state = v1::MODULE_STATE_STOPPED;
  }
  if (record.pid == 0 || record.state == v1::MODULE_STATE_STOPPING) return;
  const bool connected =
      record.state == v1::MODULE_STATE_HANDSHAKING || record.state == v1::MODULE_STATE_READY;
  record.stopRequested = true;
  record.stopReason = reason;
  record.state = v1::MODULE_STATE_STOPPING;
  m_deps.events.beginStopping(id);
  logger("supervisor")->info("module '{}' stopping: {}", id, reason);
  if (!connected) {
    signalGroup(record, SIGTERM, "not connected, cannot be asked to stop");
  } else if (!nodeShutdown) {
    v1::Envelope goodbye;
    goodbye.set_protocol_major(ipc::kProtocolMajor);
    goodbye.set_protocol_minor(ipc::kProtocolMinor);
    goodbye.mutable_goodbye()->set_reason(reason);
    m_deps.send(id, goodbye);
  }
  const std::uint64_t incarnation = record.incarnation;
  const auto grace = ms(m_config.timings().shutdown_grace_ms());
  const auto killAfter = ms(m_config.timings().kill_after_ms());
  record.termTimer = m_deps.loop.runAfter(grace, [this, id, incarnation, killAfter] {
    Record* r = find(id);
    if (r == nullptr || r->incarnation != incarnation || r->pid == 0) return;
    r->termTimer.reset();
    signalGroup(*r, SIGTERM, "still running after the grace period");
    r->killTimer = m_deps.loop.runAfter(killAfter, [this, id, incarnation] {
      Record* k = find(id);
      if (k == nullptr || k->incarnation != incarnation || k->pid == 0) return;
      k->killTimer.reset();
      signalGroup(*k, SIGKILL, "still running after SIGTERM");
    });
  });
}

void Supervisor::load(const v1::ModuleConfig& module, ModuleCallback done) {
  if (m_shuttingDown) {
    done(makeError(v1::ERROR_CODE_UNAVAILABLE, "the node is shutting down"));
    return;
  }
  Record* record = find(module.name());
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
    if (record == nullptr) {
      record = &add(module, /*fromConfig=*/false);
    } else {
      record->config = moduleWithDefaults(module, m_config);
    }
  }
  record->tracker.reset();
  record->readyWaiters.push_back(std::move(done));
  (void)start(*record);  // failure settles the waiter
}

void Supervisor::unload(const std::string& moduleId, ModuleCallback done) {
  Record* record = find(moduleId);
  if (record == nullptr) {
    done(makeError(v1::ERROR_CODE_NOT_FOUND, "no module '" + moduleId + "'"));
    return;
  }
  if (record->pid == 0) {
    const bool waitingRestart = record->restartTimer.has_value();
    stop(*record, "unloaded by operator", false);  // cancels a pending restart
    if (waitingRestart) {
      done(infoOf(*record));
    } else {
      done(makeError(v1::ERROR_CODE_UNAVAILABLE, "module '" + moduleId + "' is not running (" +
                                                     stateName(record->state) + ")"));
    }
    return;
  }
  record->stopWaiters.push_back(std::move(done));
  stop(*record, "unloaded by operator", false);
}

void Supervisor::reload(const std::string& moduleId, ModuleCallback done) {
  Record* record = find(moduleId);
  if (record == nullptr) {
    done(makeError(v1::ERROR_CODE_NOT_FOUND, "no module '" + moduleId + "'"));
    return;
  }
  if (m_shuttingDown) {
    done(makeError(v1::ERROR_CODE_UNAVAILABLE, "the node is shutting down"));
    return;
  }
  record->readyWaiters.push_back(std::move(done));
  if (record->pid == 0) {
    record->tracker.reset();
    ++record->restarts;
    (void)start(*record);
    return;
  }
  stop(*record, "reloaded by operator", false);
  record->restartAfterStop = true;
}

void Supervisor::shutdown(std::function<void()> allStopped) {
  m_shuttingDown = true;
  m_allStopped = std::move(allStopped);
  if (m_livenessTimer) m_deps.loop.cancel(*m_livenessTimer);
  m_livenessTimer.reset();
  for (auto& record : m_records)
    stop(*record, "node shutdown", /*nodeShutdown=*/true);
  maybeFinishShutdown();
}

void Supervisor::killAll() {
  for (auto& record : m_records) {
    if (record->pid == 0) continue;
    if (!record->stopRequested) record->killReason = "killed by the node";
    signalGroup(*record, SIGKILL, "immediate shutdown");
  }
}

void Supervisor::maybeFinishShutdown() {
  if (!m_shuttingDown || !m_allStopped) return;
  for (const auto& record : m_records) {
    if (record->pid != 0) return;
  }
  auto done = std::exchange(m_allStopped, {});
  m_deps.loop.post(std::move(done));
}

// load/reload waiters settle when the module is ready, or when it can no longer get there.
void Supervisor::settleWaiters(Record& record) {
  if (record.readyWaiters.empty()) return;
  if (record.state == v1::MODULE_STATE_READY) {
    for (auto& done : std::exchange(record.readyWaiters, {}))
      done(infoOf(record));
    return;
  }
  if (record.pid == 0 && !record.restartAfterStop) {
    std::string why = "module '" + record.config.name() +
                      "' did not become ready: " + stateName(record.state) +
                      (record.lastExit.empty() ? "" : " (" + record.lastExit + ")");
    for (auto& done : std::exchange(record.readyWaiters, {})) {
      done(makeError(v1::ERROR_CODE_UNAVAILABLE, why));
    }
  }
}

void Supervisor::checkLiveness() {
  const auto now = Clock::now();
  const auto& t = m_config.timings();
  const auto unhealthyAfter = ms(t.heartbeat_interval_ms() * t.missed_heartbeats());
  for (auto& record : m_records) {
    const bool connected = record->state == v1::MODULE_STATE_HANDSHAKING ||
                           record->state == v1::MODULE_STATE_READY ||
                           record->state == v1::MODULE_STATE_STOPPING;
    if (record->pid == 0 || !connected || !record->killReason.empty()) continue;
    const auto silence = duration_cast<milliseconds>(now - record->lastTraffic);
    if (silence > ms(t.dead_timeout_ms())) {
      record->killReason = "hung: no traffic for " + std::to_string(silence.count()) + " ms";
      signalGroup(*record, SIGKILL, record->killReason);
      continue;
    }
    if (record->state != v1::MODULE_STATE_READY) continue;
    if (silence > unhealthyAfter) {
      // ZeroMQ drops a connection silently (an oversized frame): if the process lives on, only a
      // send finds out. A heartbeat to an unreachable peer kills it now ("connection lost")
      // instead of after dead_timeout_ms.
      if (m_deps.send) m_deps.send(record->config.name(), hostHeartbeat());
      if (!record->killReason.empty()) continue;
      setHealth(*record, v1::HEALTH_UNHEALTHY, "missed heartbeats");
      continue;
    }
    auto unacked = m_deps.events.oldestUnackedSince(record->config.name());
    if (unacked && now - *unacked > ms(t.stall_timeout_ms())) {
      setHealth(*record, v1::HEALTH_UNHEALTHY, "stalled handler");
      continue;
    }
    setHealth(*record, v1::HEALTH_HEALTHY, "recovered");
  }
}

void Supervisor::setHealth(Record& record, v1::Health health, const std::string& reason) {
  if (record.health == health && (health == v1::HEALTH_HEALTHY || record.healthReason == reason)) {
    return;
  }
  record.health = health;
  record.healthReason = health == v1::HEALTH_HEALTHY ? "" : reason;
  auto log = logger("supervisor");
  if (health == v1::HEALTH_HEALTHY) {
    log->info("module '{}' healthy again", record.config.name());
  } else {
    log->warn("module '{}' unhealthy: {}", record.config.name(), reason);
  }
  v1::Event event = hostEvent(v1::EVENT_TYPE_MODULE_HEALTH_CHANGED);
  event.mutable_module_health_changed()->set_module_id(record.config.name());
  event.mutable_module_health_changed()->set_health(health);
  event.mutable_module_health_changed()->set_reason(reason);
  publishLifecycle(std::move(event));
}

void Supervisor::publishLifecycle(v1::Event event) {
  m_deps.events.publish(event.type(), serializeEvent(event));
}

v1::ModuleInfo Supervisor::infoOf(const Record& record) const {
  v1::ModuleInfo info;
  info.set_module_id(record.config.name());
  info.set_name(record.name.empty() ? record.config.name() : record.name);
  info.set_version(record.version);
  info.set_state(record.state);
  info.set_pid(record.pid);
  info.set_restarts(record.restarts);
  if (record.readyAt) {
    info.set_uptime_ms(static_cast<std::uint64_t>(
        duration_cast<milliseconds>(Clock::now() - *record.readyAt).count()));
  }
  info.set_last_exit(record.lastExit);
  info.set_capacity(record.config.channel_capacity());
  info.set_policy(record.config.policy());
  info.set_restart(record.config.restart());
  info.set_health(record.health);
  info.set_health_reason(record.healthReason);
  info.set_incarnation(record.incarnation);
  info.set_exec(record.config.exec());
  return info;
}

std::vector<v1::ModuleInfo> Supervisor::modules() const {
  std::vector<v1::ModuleInfo> out;
  for (const auto& record : m_records)
    out.push_back(infoOf(*record));
  return out;
}

std::optional<v1::ModuleInfo> Supervisor::module(const std::string& moduleId) const {
  const Record* record = find(moduleId);
  if (record == nullptr) return std::nullopt;
  return infoOf(*record);
}

const v1::ModuleConfig* Supervisor::moduleConfig(const std::string& moduleId) const {
  const Record* record = find(moduleId);
  return record ? &record->config : nullptr;
}

bool Supervisor::isHandshaken(const std::string& moduleId) const {
  const Record* record = find(moduleId);
  return record != nullptr &&
         (record->state == v1::MODULE_STATE_HANDSHAKING ||
          record->state == v1::MODULE_STATE_READY || record->state == v1::MODULE_STATE_STOPPING);
}

std::uint32_t Supervisor::countInState(v1::ModuleState state) const {
  std::uint32_t count = 0;
  for (const auto& record : m_records)
    count += record->state == state ? 1 : 0;
  return count;
}

int Supervisor::pidOf(const std::string& moduleId) const {
  const Record* record = find(moduleId);
  return record ? record->pid : 0;
}

}  // namespace plexus::host
