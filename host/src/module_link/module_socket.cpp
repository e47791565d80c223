#include "module_link/module_socket.h"

#include "plexus/ipc/endpoints.h"
#include "plexus/ipc/sockets.h"

namespace plexus::host {

ModuleSocket::ModuleSocket(zmq::context_t& context, EventLoop& loop, RefusalLog& refusals,
                           const Options& options)
    : m_loop(loop),
      m_refusals(refusals),
      m_endpoint(ipc::ipcEndpoint(options.path)),
      m_router(context, zmq::socket_type::router),
      // Before bind, so no refused connection is missed; PLAIN refusals are ZAP's to log.
      m_monitor(context, m_router,
                ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL),
      m_transport(makeZmqModuleTransport(loop, m_router, options.bodyLayout)) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ipc::configureModuleRouter(m_router, options.maxMessageBytes);
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
