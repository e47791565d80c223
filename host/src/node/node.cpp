#include "plexus/host/node.h"

#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <future>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include "config/config.h"
#include "control/control_server.h"
#include "control/tail_sessions.h"
#include "delivery/event_factory.h"
#include "delivery/event_manager.h"
#include "delivery/in_process_publisher.h"
#include "module_link/module_server.h"
#include "module_link/module_transport.h"
#include "plexus/ipc/endpoints.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"
#include "plexus/ipc/socket_monitor.h"
#include "plexus/ipc/sockets.h"
#include "plexus/ipc/zap_authenticator.h"
#include "plexus/version.h"
#include "runtime/event_loop.h"
#include "runtime/logging.h"
#include "runtime/rate_limited_log.h"
#include "runtime/runtime_dir.h"
#include "services/maintenance.h"
#include "services/resource_monitor.h"
#include "supervision/output_pump.h"
#include "supervision/process_spawner.h"
#include "supervision/supervisor.h"

namespace plexus::host {

namespace {

RuntimeDir acquireOrThrow(const std::filesystem::path& path) {
  auto dir = RuntimeDir::acquire(path);
  if (!dir) throw std::runtime_error(dir.error().message);
  return std::move(dir).value();
}

// Routes a batch to its module over the module ROUTER, or to a tail session's operator.
class SubscriberSink final : public EventSink {
 public:
  explicit SubscriberSink(ModuleTransport& modules) : m_modules(modules) {}
  void setTails(TailSessions* tails) { m_tails = tails; }
  SendStatus sendEvents(const std::string& id, v1::Lane lane,
                        std::span<const ipc::OutgoingEvent> events) override {
    if (m_tails != nullptr && TailSessions::isTap(id)) return m_tails->sendEvents(id, lane, events);
    return m_modules.sendEvents(id, lane, events);
  }

 private:
  ModuleTransport& m_modules;
  TailSessions* m_tails = nullptr;
};

}  // namespace

class Node::Impl {
 public:
  explicit Impl(Options options)
      : m_options(std::move(options)),
        m_config(withDefaults(m_options.config)),
        m_runtimeDir(acquireOrThrow(m_options.runtimeDir)),
        m_credentials(::getuid()),
        m_zap(m_context, m_credentials, ::getuid()),  // bound before any ROUTER
        m_moduleRouter(m_context, zmq::socket_type::router),
        m_controlRouter(m_context, zmq::socket_type::router),
        // Before bind, so no refused connection is missed; PLAIN refusals are ZAP's to log.
        m_moduleMonitor(m_context, m_moduleRouter,
                        ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL),
        m_transport(m_moduleRouter, m_options.bodyLayout),
        m_sink(m_transport),
        m_events(m_sink, eventOptions()),
        m_spawner(makeProcessSpawner(m_loop)),
        m_output(std::make_unique<OutputPump>()),
        m_startedAt(std::chrono::steady_clock::now()) {
    ipc::configureModuleRouter(m_moduleRouter, m_config.max_message_bytes());
    m_moduleRouter.set(zmq::sockopt::router_handover, 1);  // a restarted incarnation takes over
    ipc::configureControlRouter(m_controlRouter);
    const auto modulePath = ipc::moduleSocketPath(m_runtimeDir.path());
    ipc::bindPrivate(m_moduleRouter, modulePath.string());
    ipc::bindPrivate(m_controlRouter, ipc::controlSocketPath(m_runtimeDir.path()).string());

    m_supervisor = std::make_unique<Supervisor>(
        Supervisor::Dependencies{m_loop, m_events, *m_spawner, m_credentials, *m_output,
                                 [this](const std::string& id, const v1::Envelope& envelope) {
                                   m_moduleServer->send(id, envelope);
                                 }},
        m_config, ipc::ipcEndpoint(modulePath),
        m_options.moduleDir.empty() ? selfDirectory() : m_options.moduleDir);
    ModuleServer::Limits limits;
    limits.requestsPerSecond = m_config.module_request_rate();
    limits.blockTimeoutMs = m_config.timings().block_timeout_ms();
    m_moduleServer = std::make_unique<ModuleServer>(m_transport, m_events, *m_supervisor, limits);
    m_controlServer = std::make_unique<ControlServer>(
        m_controlRouter, m_loop, m_events, *m_supervisor,
        ControlServer::NodeStatus{m_startedAt, m_runtimeDir.path()});
    m_publisher =
        std::make_unique<InProcessPublisher>(m_events, ms(m_config.timings().block_timeout_ms()));
    m_tails = std::make_unique<TailSessions>(m_events, *m_controlServer);
    m_sink.setTails(m_tails.get());
    m_maintenance = std::make_unique<Maintenance>(
        m_loop, m_events,
        std::vector<v1::MaintenanceSchedule>(m_config.maintenance().begin(),
                                             m_config.maintenance().end()));
    m_resources = std::make_unique<ResourceMonitor>(
        m_loop, m_events, *m_supervisor,
        m_config.data_dir().empty() ? m_runtimeDir.path()
                                    : std::filesystem::path(m_config.data_dir()),
        m_config.disk_space_low_bytes(), ms(m_config.timings().resource_check_interval_ms()));
    m_controlServer->setExtension([this](const std::string& client, const v1::ControlRequest& r) {
      return serveExtension(client, r);
    });
    wireLoop();
  }

  ~Impl() {
    // Whatever still runs (run() never called, or an exception) dies with the node.
    m_supervisor.reset();
    if (m_signalFd >= 0) ::close(m_signalFd);
  }

  int run() {
    ::pthread_setname_np(::pthread_self(), "plexus-loop");  // visible in top -H, perf, /proc
    logger("node")->info(
        "plexus-node {} (protocol {}) running, pid {}, runtime dir {}, {} module(s)",
        kPlexusVersion, ipc::protocolVersionString(), ::getpid(), m_runtimeDir.path().string(),
        m_config.module_size());
    v1::Event startup = hostEvent(v1::EVENT_TYPE_NODE_STARTUP);
    startup.mutable_node_startup()->set_version(kPlexusVersion);
    startup.mutable_node_startup()->set_protocol_version(ipc::protocolVersionString());
    m_events.publishSticky(startup.type(), serializeEvent(startup));  // for every later subscriber
    m_supervisor->startConfigured();
    scheduleStatsLog();
    scheduleHealthCheck();
    scheduleTailProbe();
    m_maintenance->startSchedules();
    m_resources->start();
    m_loop.run();
    return m_exitCode;
  }

  void requestShutdown() {
    m_loop.post([this] { beginShutdown("shutdown requested"); });
  }

  Publisher& publisher() { return *m_publisher; }

 private:
  EventManager::Options eventOptions() const {
    EventManager::Options options;
    options.blockTimeout = ms(m_config.timings().block_timeout_ms());
    return options;
  }

  void wireLoop() {
    m_loop.addSocket(m_zap.socket(), [this] { m_zap.serveReady(); });
    // Rate-limited per claimed id and kind of refusal (the reason without its numbers): a
    // process reconnecting in a loop must not flood the log, but each new reason is shown.
    m_zap.setObserver([this](const ipc::ZapRequest& request, const ipc::ZapVerdict& verdict) {
      if (verdict.accepted) return;
      std::string kind = verdict.reason;
      std::erase_if(kind, [](char c) { return c >= '0' && c <= '9'; });
      m_refusals.warn(request.mechanism + "/" + request.username + "/" + kind, [&] {
        return "refused a connection (" + request.mechanism + " '" + request.username + "' from " +
               request.address + "): " + verdict.reason;
      });
    });
    // Refused by ZeroMQ itself before ZAP is asked: the NULL mechanism, junk instead of ZMTP.
    m_loop.addSocket(m_moduleMonitor.socket(), [this] {
      while (auto event = m_moduleMonitor.next(std::chrono::milliseconds(0))) {
        const std::string why = ipc::describeHandshakeFailure(*event);
        m_refusals.warn("handshake/" + why, [&] {
          return "refused a connection on the module socket before authentication: " + why;
        });
      }
    });
    m_loop.addSocket(m_moduleRouter, [this] {
      int served = 0;
      while (m_transport.receive(m_received)) {
        m_moduleServer->handle(m_received.routingId, m_received.userId, m_received.frames);
        if (++served == 1024) {  // fairness: let timers and other sockets run, then continue
          m_loop.touch(m_moduleRouter);
          return;
        }
      }
    });
    // Any send on a ROUTER may consume its ZMQ_FD edge: the loop must serve it before blocking.
    m_transport.setOnSend([this] { m_loop.touch(m_moduleRouter); });
    m_loop.addSocket(m_controlRouter, [this] { m_controlServer->serveReady(); });
    m_loop.addQueue(*m_publisher, [this] { m_publisher->drain(); });
    m_loop.addAfterHook(
        [this] {
          m_events.expire();
          if (m_maintenance->active() > 0) m_maintenance->poll();
          m_publisher->drain();  // more of the in-process queue once publishes resolved
          m_events.flush();
          for (const auto& id : m_events.takeUnreachable()) {
            if (TailSessions::isTap(id)) {
              m_tails->end(id);
            } else {
              m_supervisor->onUnreachable(id);
            }
          }
        },
        [this] { return m_events.nextDeadline(); });
    if (m_options.handleSignals) {
      sigset_t signals;
      sigemptyset(&signals);
      sigaddset(&signals, SIGINT);
      sigaddset(&signals, SIGTERM);
      m_signalFd = ::signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
      if (m_signalFd < 0) throw std::runtime_error("signalfd failed");
      m_loop.addFd(m_signalFd, [this] {
        signalfd_siginfo info{};
        while (::read(m_signalFd, &info, sizeof info) == sizeof info) {
          beginShutdown(std::string("signal ") + ::sigabbrev_np(static_cast<int>(info.ssi_signo)));
        }
      });
    }
  }

  void beginShutdown(const std::string& reason) {
    auto log = logger("node");
    const auto now = std::chrono::steady_clock::now();
    if (m_shuttingDown) {
      // `timeout` and shells signal the process and its group: one request can arrive twice.
      if (now - m_shutdownStarted < std::chrono::seconds(1)) return;
      log->warn("{} during shutdown: killing every module now", reason);
      m_supervisor->killAll();
      return;
    }
    m_shuttingDown = true;
    m_shutdownStarted = now;
    const auto grace = m_config.timings().shutdown_grace_ms();
    log->info("shutting down ({}): NodeShutdown to every module, grace {} ms", reason, grace);
    v1::Event event = hostEvent(v1::EVENT_TYPE_NODE_SHUTDOWN);
    event.mutable_node_shutdown()->set_reason(reason);
    event.mutable_node_shutdown()->set_grace_ms(grace);
    event.mutable_node_shutdown()->set_deadline_unix_ms(event.published_at_unix_ns() / 1000000 +
                                                        static_cast<std::int64_t>(grace));
    m_events.publishToAll(serializeEvent(event));
    m_publisher->close();
    if (m_statsTimer) m_loop.cancel(*m_statsTimer);
    if (m_healthTimer) m_loop.cancel(*m_healthTimer);
    m_supervisor->shutdown([this] { finishShutdown(); });
  }

  void finishShutdown() {
    v1::Event event = hostEvent(v1::EVENT_TYPE_NODE_SHUTDOWN_COMPLETED);
    event.mutable_node_shutdown_completed()->set_modules_stopped(
        static_cast<std::uint32_t>(m_config.module_size()));
    m_events.publishToAll(serializeEvent(event));  // anyone still connected
    m_events.flush();
    logStats();
    logger("node")->info("plexus-node stopped");
    m_loop.stop();
  }

  // maintenance and tail requests of the control API.
  bool serveExtension(const std::string& client, const v1::ControlRequest& request) {
    if (m_tails->handle(client, request)) return true;
    if (!request.has_maintenance()) return false;
    const auto& m = request.maintenance();
    if (m.operation() == v1::MAINTENANCE_OPERATION_UNSPECIFIED) {
      m_controlServer->replyError(client, request.correlation_id(),
                                  makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                                            "maintenance needs an operation (flush or cleanup)"));
      return true;
    }
    const auto id = m_maintenance->run(
        m.operation(), m.urgency() == v1::URGENCY_UNSPECIFIED ? v1::URGENCY_LOW : m.urgency(),
        m.reason().empty() ? "requested by operator" : m.reason(), m.timeout_ms());
    v1::ControlResponse response;
    response.set_correlation_id(request.correlation_id());
    response.mutable_maintenance()->set_maintenance_id(id);
    m_controlServer->reply(client, std::move(response));
    return true;
  }

  void scheduleHealthCheck() {
    m_healthTimer = m_loop.runAfter(ms(m_config.timings().health_check_interval_ms()), [this] {
      v1::Event event = hostEvent(v1::EVENT_TYPE_HEALTH_CHECK);
      auto* check = event.mutable_health_check();
      check->set_uptime_ms(
          static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - m_startedAt)
                                         .count()));
      check->set_modules_ready(m_supervisor->countInState(v1::MODULE_STATE_READY));
      check->set_modules_total(static_cast<std::uint32_t>(m_supervisor->modules().size()));
      m_events.publish(event.type(), serializeEvent(event));
      scheduleHealthCheck();
    });
  }

  // Every heartbeat interval: ends the tail sessions of clients that vanished without a word.
  void scheduleTailProbe() {
    m_tailProbeTimer = m_loop.runAfter(ms(m_config.timings().heartbeat_interval_ms()), [this] {
      m_tails->probe();
      scheduleTailProbe();
    });
  }

  void scheduleStatsLog() {
    m_statsTimer = m_loop.runAfter(ms(m_config.timings().stats_log_interval_ms()), [this] {
      logStats();
      scheduleStatsLog();
    });
  }

  void logStats() {
    auto log = logger("stats");
    for (const auto& s : m_events.allStats()) {
      log->info(
          "{}: routed={} successful={} channel_full={} failed={} acked={} lost={} queued={} "
          "in_flight={} max_held={}/{} decode_errors={} rejected={}",
          s.module_id(), s.routed(), s.successful(), s.channel_full(), s.failed(), s.acked(),
          s.lost(), s.queued(), s.in_flight(), s.max_held(), s.capacity(), s.decode_errors(),
          s.rejected());
    }
  }

  Options m_options;
  v1::NodeConfig m_config;
  RuntimeDir m_runtimeDir;   // destroyed last: removes the socket files
  zmq::context_t m_context;  // outlives every socket below
  ipc::ModuleCredentials m_credentials;
  ipc::ZapAuthenticator m_zap;
  zmq::socket_t m_moduleRouter;
  zmq::socket_t m_controlRouter;
  ipc::SocketMonitor m_moduleMonitor;  // the module ROUTER's refused handshakes
  EventLoop m_loop;
  ZmqModuleTransport m_transport;
  SubscriberSink m_sink;
  EventManager m_events;
  std::unique_ptr<ProcessSpawner> m_spawner;
  std::unique_ptr<OutputPump> m_output;  // outlives the supervisor, which hands it fds
  std::unique_ptr<Supervisor> m_supervisor;
  std::unique_ptr<ModuleServer> m_moduleServer;
  std::unique_ptr<ControlServer> m_controlServer;
  std::unique_ptr<InProcessPublisher> m_publisher;
  std::unique_ptr<TailSessions> m_tails;
  std::unique_ptr<Maintenance> m_maintenance;
  std::unique_ptr<ResourceMonitor> m_resources;
  ReceivedMessage m_received;
  RateLimitedLog m_refusals{logger("node"), std::chrono::seconds(5)};
  std::chrono::steady_clock::time_point m_startedAt;
  std::optional<EventLoop::TimerId> m_statsTimer;
  std::optional<EventLoop::TimerId> m_healthTimer;
  std::optional<EventLoop::TimerId> m_tailProbeTimer;  // runs until the loop ends
  int m_signalFd = -1;
  bool m_shuttingDown = false;
  std::chrono::steady_clock::time_point m_shutdownStarted{};
  int m_exitCode = 0;
};

Node::Node(Options options) : m_impl(std::make_unique<Impl>(std::move(options))) {}
Node::~Node() = default;
int Node::run() {
  return m_impl->run();
}
void Node::requestShutdown() {
  m_impl->requestShutdown();
}
Publisher& Node::publisher() {
  return m_impl->publisher();
}

}  // namespace plexus::host
