// The composition root: builds every subsystem, wires them together and onto the loop, and
// runs the loop. What each piece does is in its own header; the order of the members below is
// the order they are built in (and the reverse of their destruction).

#include "plexus/host/node.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <optional>
#include <stdexcept>
#include <utility>

#include "config/config.h"
#include "config/journal_config.h"
#include "config/priorities.h"
#include "control/control_server.h"
#include "control/cursor_queries.h"
#include "control/journal_queries.h"
#include "control/journal_read_queries.h"
#include "control/maintenance_requests.h"
#include "control/module_commands.h"
#include "control/operator_publish.h"
#include "control/status_queries.h"
#include "control/tail_sessions.h"
#include "delivery/event_factory.h"
#include "delivery/event_manager.h"
#include "delivery/in_process_publisher.h"
#include "journal/journal.h"
#include "metrics/metrics_collector.h"
#include "metrics/metrics_server.h"
#include "module_link/module_server.h"
#include "module_link/module_socket.h"
#include "module_link/refusal_log.h"
#include "module_link/remote_peers.h"
#include "node/node_setup.h"
#include "node/remote_endpoint.h"
#include "node/shutdown_sequence.h"
#include "node/subscriber_sink.h"
#include "plexus/ipc/endpoints.h"
#include "plexus/ipc/protocol.h"
#include "plexus/ipc/sockets.h"
#include "plexus/ipc/thread_checker.h"
#include "plexus/ipc/zap_authenticator.h"
#include "plexus/version.h"
#include "runtime/event_loop.h"
#include "runtime/logging.h"
#include "runtime/runtime_dir.h"
#include "runtime/service_notifier.h"
#include "runtime/signal_watcher.h"
#include "services/maintenance.h"
#include "services/periodic_events.h"
#include "services/readiness_tracker.h"
#include "services/resource_monitor.h"
#include "services/service_watchdog.h"
#include "supervision/output_pump.h"
#include "supervision/process_spawner.h"
#include "supervision/supervisor.h"

namespace plexus::host {

class Node::Impl {
 public:
  explicit Impl(Options options)
      : m_options(std::move(options)),
        m_config(withDefaults(m_options.config)),
        m_controlGroup(controlGroupOf(m_config)),
        m_runtimeDir(acquireOrThrow(m_options.runtimeDir, m_controlGroup)),
        m_journal(openConfiguredJournal(m_config)),
        m_credentials(::getuid()),
        m_zap(m_context, m_credentials, ::getuid(),
              m_controlGroup ? std::optional<ipc::ControlGroup>(
                                   ipc::ControlGroup{*m_controlGroup, ipc::accountGroups})
                             : std::nullopt),  // bound before any ROUTER
        m_moduleSocket(m_context, m_loop, m_refusals,
                       {ipc::moduleSocketPath(m_runtimeDir.path()),
                        m_config.max_message_bytes(),
                        m_options.bodyLayout,
                        {},
                        {}}),
        m_remoteSocket(
            openRemoteSocket(m_context, m_loop, m_refusals, m_config, m_options.bodyLayout)),
        m_peers(m_moduleSocket.transport(), m_remoteSocket ? &m_remoteSocket->transport() : nullptr,
                remoteIdsOf(m_config)),
        m_controlRouter(m_context, zmq::socket_type::router),
        m_sink(m_peers),
        m_events(m_sink, eventOptions()),
        m_supervisor(
            Supervisor::Dependencies{m_loop, m_events, *m_spawner, m_credentials, *m_output,
                                     [this](const std::string& id, const v1::Envelope& envelope) {
                                       m_moduleServer.send(id, envelope);
                                     }},
            m_config, m_moduleSocket.endpoint(),
            m_options.moduleDir.empty() ? selfDirectory() : m_options.moduleDir),
        m_moduleServer(m_peers, m_events, m_supervisor, moduleLimits()),
        m_publisher(m_events, ms(m_config.timings().block_timeout_ms()), &m_loop),
        m_maintenance(m_loop, m_events,
                      std::vector<v1::MaintenanceSchedule>(m_config.maintenance().begin(),
                                                           m_config.maintenance().end())),
        m_resources(m_loop, m_events, m_supervisor, dataDir(), m_config.disk_space_low_bytes(),
                    ms(m_config.timings().resource_check_interval_ms())),
        m_periodic(m_loop, m_events, m_supervisor, m_startedAt,
                   {ms(m_config.timings().health_check_interval_ms()),
                    ms(m_config.timings().stats_log_interval_ms())}),
        m_control(m_controlRouter, m_loop),
        m_queries(m_control, m_events, m_supervisor,
                  {m_startedAt, m_runtimeDir.path(),
                   [this] { return m_moduleServer.relayedDuplicates(); }}),
        m_commands(m_control, m_supervisor),
        m_operatorPublish(m_control, m_loop, m_events),
        m_maintenanceRequests(m_control, m_maintenance),
        m_journalQueries(m_control, m_journal.get()),
        m_journalReads(m_control, m_journal.get()),
        // A cursor is in use while its module runs or a restart of it is on its way.
        m_cursorQueries(m_control, m_journal.get(),
                        [this](const std::string& id) {
                          return m_supervisor.isRunning(id) || m_supervisor.restarting(id);
                        }),
        m_tails(m_loop, m_events, m_control, ms(m_config.timings().heartbeat_interval_ms())),
        m_readiness(m_loop, *m_notifier, [this] { return moduleStates(); },
                    {.readyTimeout = ms(m_config.timings().ready_timeout_ms())}),
        m_watchdog(m_loop, *m_notifier),
        m_shutdown(m_loop, m_events, ms(m_config.timings().shutdown_grace_ms()),
                   static_cast<std::uint32_t>(m_config.module_size()), shutdownSteps()) {
    PLEXUS_ASSERT_THREAD(m_thread);
    ipc::configureControlRouter(m_controlRouter);
    const std::string controlPath = ipc::controlSocketPath(m_runtimeDir.path()).string();
    if (m_controlGroup) {
      ipc::bindForGroup(m_controlRouter, controlPath, *m_controlGroup);  // 0660, its group
    } else {
      ipc::bindPrivate(m_controlRouter, controlPath);  // 0600
    }
    m_zap.setRemoteKeys(remoteKeysOf(m_config));  // before the loop serves any connection
    m_sink.setOwners(m_supervisor, m_tails);
    // Relayed events of the previous run stay duplicates (docs/design.md "Relayed duplicates").
    if (m_journal) m_moduleServer.restoreRelayed(m_journal->takeRelayedAtStart());
    for (ControlHandler* handler : std::initializer_list<ControlHandler*>{
             &m_queries, &m_commands, &m_operatorPublish, &m_maintenanceRequests, &m_journalQueries,
             &m_journalReads, &m_cursorQueries, &m_tails}) {
      m_control.add(*handler);
    }
    wireLoop();
    startMetrics();
  }

  // Members go in reverse order: the Supervisor's destructor kills whatever module still runs
  // (run() never called, or the loop failed) once nothing that serves the modules is left.
  ~Impl() { PLEXUS_ASSERT_THREAD(m_thread); }

  int run() {
    PLEXUS_ASSERT_THREAD(m_thread);
    ::pthread_setname_np(::pthread_self(), "plexus-loop");  // visible in top -H, perf, /proc
    logger("node")->info(
        "plexus-node {} (protocol {}) running, pid {}, runtime dir {}, {} module(s)",
        kPlexusVersion, ipc::protocolVersionString(), ::getpid(), m_runtimeDir.path().string(),
        m_config.module_size());
    v1::Event startup = hostEvent(v1::EVENT_TYPE_NODE_STARTUP);
    startup.mutable_node_startup()->set_version(kPlexusVersion);
    startup.mutable_node_startup()->set_protocol_version(ipc::protocolVersionString());
    m_events.publishSticky(startup.type(), serializeEvent(startup));  // for every later subscriber
    m_supervisor.startConfigured();
    m_watchdog.start();   // WATCHDOG=1 when systemd asks for it (WatchdogSec=)
    m_readiness.start();  // READY=1 to systemd once the modules settled
    m_periodic.start();
    m_tails.start();
    m_maintenance.startSchedules();
    m_resources.start();
    if (m_journal) {
      logger("node")->info("journal in {}", m_journal->status().directory.string());
    }
    int status = 0;
    try {
      m_loop.run();
    } catch (const std::exception& e) {
      logger("node")->critical("the event loop failed: {}", e.what());
      status = 1;
    }
    // Everything handed out is queued: written now, and the next start finds no Crash hole.
    if (m_journal) m_journal->stop();
    return status;
  }

  void requestShutdown() {
    m_loop.post([this] { m_shutdown.begin("shutdown requested"); });
  }

  Publisher& publisher() { return m_publisher; }

 private:
  EventManager::Options eventOptions() const {
    EventManager::Options options;
    options.blockTimeout = ms(m_config.timings().block_timeout_ms());
    // The loop's run time: a pause of the node does not count against block subscribers.
    options.steadyNow = [this] { return m_loop.now(); };
    options.graceUntil = [this] { return m_loop.graceUntil(); };
    // Called from publishes only, once the supervisor exists.
    options.returning = [this](const std::string& id) { return m_supervisor.restarting(id); };
    options.criticalTypes = criticalTypes(m_config);
    options.journal = m_journal.get();
    options.nodeName = m_config.node_name();  // withDefaults: never empty
    return options;
  }

  ModuleServer::Limits moduleLimits() const {
    ModuleServer::Limits limits;
    limits.requestsPerSecond = m_config.module_request_rate();
    limits.blockTimeoutMs = m_config.timings().block_timeout_ms();
    return limits;
  }

  std::filesystem::path dataDir() const {
    return m_config.data_dir().empty() ? m_runtimeDir.path()
                                       : std::filesystem::path(m_config.data_dir());
  }

  ShutdownSequence::Steps shutdownSteps() {
    return {
        .closeIntake =
            [this] {
              m_readiness.stopping();  // STOPPING=1 to systemd
              m_publisher.close();
              m_periodic.stop();
            },
        .stopModules =
            [this](std::function<void()> done) { m_supervisor.shutdown(std::move(done)); },
        .killModules = [this] { m_supervisor.killAll(); },
        .stopped = [this] { m_periodic.logStats(); },
    };
  }

  // For the readiness tracker: a crashed module waiting for its restart is not settled.
  std::vector<ModuleStateView> moduleStates() const {
    std::vector<ModuleStateView> states;
    for (const v1::ModuleInfo& info : m_supervisor.modules()) {
      states.push_back(
          {info.module_id(), info.state(),
           info.state() == v1::MODULE_STATE_CRASHED && m_supervisor.restarting(info.module_id())});
    }
    return states;
  }

  // The metrics server when metrics_listen is set; one that cannot bind fails the start unless
  // metricsOptional (then it warns and the node runs without metrics).
  void startMetrics() {
    if (m_config.metrics_listen().empty()) return;
    MetricsServerOptions options;
    options.listen = m_config.metrics_listen();
    auto server = makeMetricsServer(options, m_metricsCollector);
    if (server) {
      m_metrics = std::move(server).value();
    } else if (m_options.metricsOptional) {
      logger("node")->warn("no metrics: {}", server.error().message);
    } else {
      throw std::runtime_error(server.error().message);
    }
  }

  void wireLoop() {
    // After a pause of the node, the modules get as long to be heard as a module may be silent
    // before it counts as unhealthy: missed_heartbeats heartbeat intervals.
    m_loop.setResumeGrace(
        ms(m_config.timings().heartbeat_interval_ms() * m_config.timings().missed_heartbeats()));
    m_loop.addSocket(m_zap.socket(), [this] { m_zap.serveReady(); });
    m_zap.setObserver([this](const ipc::ZapRequest& request, const ipc::ZapVerdict& verdict) {
      m_refusals.zapVerdict(request, verdict);
      if (!verdict.accepted && request.domain == ipc::kControlZapDomain)
        m_control.countPeerRefused();
    });
    m_moduleSocket.serve([this](ReceivedMessage& message) {
      m_moduleServer.handle(message.routingId, message.userId, message.frames, message.peerPid);
    });
    if (m_remoteSocket) {
      m_remoteSocket->serve([this](ReceivedMessage& message) {
        m_peers.route(message, m_moduleServer, m_supervisor);
      });
    }
    m_control.serve();
    m_loop.addQueue(m_publisher, [this] { m_publisher.drain(); });
    if (m_journal) {
      m_loop.addQueue(m_journal->notices(), [this] {
        m_journal->onNotices();
        m_events.onJournalRoom();  // publishes waiting for the journal's queue
      });
      // Durable modules' catch-up reads (sent by the after-hook's flush).
      m_loop.addQueue(m_journal->reads(), [this] { m_journal->onReads(); });
    }
    m_loop.addAfterHook(
        [this] {
          m_events.expire();
          if (m_maintenance.active() > 0) m_maintenance.poll();
          m_publisher.drain();  // more of the in-process queue once publishes resolved
          m_events.flush();
          m_sink.unreachable(m_events.takeUnreachable());
        },
        [this] { return m_events.nextDeadline(); });
    if (m_options.handleSignals) {
      m_signals.emplace(m_loop, std::initializer_list<int>{SIGINT, SIGTERM, SIGHUP},
                        [this](int signal) { m_shutdown.begin("signal " + signalName(signal)); });
    }
  }

  ThreadChecker m_thread;
  Options m_options;
  v1::NodeConfig m_config;
  std::optional<gid_t> m_controlGroup;  // NodeConfig.control_group
  RuntimeDir m_runtimeDir;              // destroyed last: removes the socket files
  std::unique_ptr<Journal> m_journal;   // nullptr when no type is journaled
  zmq::context_t m_context;             // outlives every socket below
  std::chrono::steady_clock::time_point m_startedAt = std::chrono::steady_clock::now();
  ipc::ModuleCredentials m_credentials;
  ipc::ZapAuthenticator m_zap;
  EventLoop m_loop;
  RefusalLog m_refusals{logger("node")};
  ModuleSocket m_moduleSocket;
  std::unique_ptr<ModuleSocket> m_remoteSocket;  // remote.listen set
  RemotePeers m_peers;                           // the transport over both
  zmq::socket_t m_controlRouter;
  SubscriberSink m_sink;
  EventManager m_events;
  std::unique_ptr<ProcessSpawner> m_spawner = makeProcessSpawner(m_loop);
  std::unique_ptr<OutputPump> m_output =
      std::make_unique<OutputPump>();  // outlives the supervisor, which hands it fds
  Supervisor m_supervisor;
  ModuleServer m_moduleServer;
  InProcessPublisher m_publisher;
  Maintenance m_maintenance;
  ResourceMonitor m_resources;
  PeriodicEvents m_periodic;
  ControlServer m_control;
  StatusQueries m_queries;
  ModuleCommands m_commands;
  OperatorPublish m_operatorPublish;
  MaintenanceRequests m_maintenanceRequests;
  JournalQueries m_journalQueries;
  JournalReadQueries m_journalReads;
  CursorQueries m_cursorQueries;
  TailSessions m_tails;
  std::unique_ptr<ServiceNotifier> m_notifier = makeSystemdNotifier();  // NOTIFY_SOCKET
  ReadinessTracker m_readiness;
  ServiceWatchdog m_watchdog;
  ShutdownSequence m_shutdown;
  std::optional<SignalWatcher> m_signals;
  MetricsCollector m_metricsCollector{m_loop, m_events, m_supervisor, m_control.rejections(),
                                      m_moduleServer};
  std::unique_ptr<MetricsServer> m_metrics;  // destroyed first: its thread joined
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
