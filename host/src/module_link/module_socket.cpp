#include "module_link/module_socket.h"

#include <stdexcept>

#include "plexus/ipc/endpoints.h"
#include "plexus/ipc/protocol.h"
#include "plexus/ipc/sockets.h"

namespace plexus::host {

ModuleSocket::ModuleSocket(zmq::context_t& context, EventLoop& loop, RefusalLog& refusals,
                           const Options& options)
    : m_loop(loop),
      m_refusals(refusals),
      m_endpoint(options.tcpEndpoint.empty() ? ipc::ipcEndpoint(options.path)
                                             : options.tcpEndpoint),
      m_router(context, zmq::socket_type::router),
      // Before bind, so no refused connection is missed; PLAIN refusals are ZAP's to log.
      m_monitor(context, m_router,
                ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL),
      m_transport(makeZmqModuleTransport(loop, m_router, options.bodyLayout)) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ipc::configureModuleRouter(m_router, options.maxMessageBytes);
  if (!options.tcpEndpoint.empty()) {
    m_router.set(zmq::sockopt::plain_server, 0);
    m_router.set(zmq::sockopt::zap_domain, ipc::kRemoteZapDomain);
    m_router.set(zmq::sockopt::curve_server, 1);
    m_router.set(zmq::sockopt::curve_secretkey, options.curveSecretKey);
    try {
      m_router.bind(options.tcpEndpoint);
    } catch (const zmq::error_t& e) {
      throw std::runtime_error("remote.listen '" + options.tcpEndpoint +
                               "': cannot bind: " + e.what());
    }
    m_endpoint = m_router.get(zmq::sockopt::last_endpoint);
    return;
  }
  m_router.set(zmq::sockopt::router_handover, 1);  // a restarted incarnation takes over
  ipc::bindPrivate(m_router, options.path.string());
}

ModuleSocket::~ModuleSocket() = default;

void ModuleSocket::serve(ModuleReader::Handler handler) {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_reader.emplace(*m_transport, std::move(handler));
  m_loop.addSocket(m_monitor.socket(), [this] { logRefusals(); });
  m_loop.addSocket(m_router, [this] { readReady(); });
}

void ModuleSocket::readReady() {
  PLEXUS_ASSERT_THREAD(m_thread);
  // Stopped at the fairness limit: let timers and other sockets run, then continue.
  if (m_reader->serveReady()) m_loop.touch(m_router);
}

void ModuleSocket::logRefusals() {
  PLEXUS_ASSERT_THREAD(m_thread);
  while (auto event = m_monitor.next(std::chrono::milliseconds(0))) {
    m_refusals.handshakeFailed(*event);
  }
}

}  // namespace plexus::host
