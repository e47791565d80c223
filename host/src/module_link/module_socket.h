#pragma once

// ModuleSocket: one module endpoint of the node. It owns
// - the module ROUTER: PLAIN through the node's ZAP handler (domain plexus-modules),
//   ROUTER_MANDATORY, router handover (a restarted incarnation takes over its module id), bound
//   private (0600) at its path;
// - the ROUTER's monitor, attached before the bind, which reports the connections ZeroMQ refuses
//   before ZAP is asked (they go to the RefusalLog);
// - its ModuleTransport (makeZmqModuleTransport) and its read loop (ModuleReader).
// With Options.tcpEndpoint set it is the remote modules' ROUTER instead: CURVE server only (the
// node's secret key; NULL and PLAIN clients fail), ZAP domain plexus-remote, no handover (who is
// who is decided at the handshake: remote_peers.h), bound on that tcp:// endpoint.
// serve() puts the monitor and the ROUTER into the loop: every message received then goes to
// the handler (the ModuleServer). A node may own more than one.
// Construct after the ZAP handler is bound (ipc::ZapAuthenticator), so no connection is ever
// accepted unauthenticated.
// Thread rule: loop thread only.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <zmq.hpp>

#include "module_link/module_reader.h"
#include "module_link/module_transport.h"
#include "module_link/refusal_log.h"
#include "plexus/ipc/event_batch_codec.h"
#include "plexus/ipc/socket_monitor.h"
#include "plexus/ipc/thread_checker.h"
#include "runtime/event_loop.h"

namespace plexus::host {

class ModuleSocket {
 public:
  struct Options {
    std::filesystem::path path;  // the unix socket file
    std::uint64_t maxMessageBytes = 0;
    ipc::BodyLayout bodyLayout = ipc::BodyLayout::Packed;
    std::string tcpEndpoint = {};     // set: the remote ROUTER on this tcp:// endpoint (not `path`)
    std::string curveSecretKey = {};  // Z85; with tcpEndpoint
  };

  // Binds the socket; throws (std::runtime_error, zmq::error_t) when it cannot.
  ModuleSocket(zmq::context_t& context, EventLoop& loop, RefusalLog& refusals,
               const Options& options);
  ~ModuleSocket();
  ModuleSocket(const ModuleSocket&) = delete;
  ModuleSocket& operator=(const ModuleSocket&) = delete;

  // Where modules connect ("ipc://<path>", or the tcp endpoint as bound).
  const std::string& endpoint() const { return m_endpoint; }
  ModuleTransport& transport() { return *m_transport; }

  // Starts serving (once): refused handshakes are logged, received messages go to `handler`.
  void serve(ModuleReader::Handler handler);

 private:
  void readReady();
  void logRefusals();

  EventLoop& m_loop;
  RefusalLog& m_refusals;
  std::string m_endpoint;
  zmq::socket_t m_router;
  ipc::SocketMonitor m_monitor;
  std::unique_ptr<ModuleTransport> m_transport;
  std::optional<ModuleReader> m_reader;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
