// Connection's start: the ZeroMQ handshake (where the node's ZAP handler checks the token), then
// the Plexus handshake. Runs on the constructing thread, before anyone else can reach the socket.

#include <iterator>
#include <zmq_addon.hpp>

#include "connection.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/protocol.h"
#include "plexus/ipc/sockets.h"
#include "plexus/version.h"

namespace plexus::sdk::detail {

namespace {

using std::chrono::milliseconds;

constexpr int kMonitorEvents = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_DISCONNECTED;

milliseconds remaining(Connection::Clock::time_point deadline) {
  return std::max(milliseconds(0),
                  std::chrono::duration_cast<milliseconds>(deadline - Connection::Clock::now()));
}

}  // namespace

Connection::Connection(ConnectOptions options)
    : m_options(std::move(options)), m_socket(m_context, zmq::socket_type::dealer) {
  if (m_options.protocolMajor == 0) {
    m_options.protocolMajor = ipc::kProtocolMajor;
    m_options.protocolMinor = ipc::kProtocolMinor;
  }
  takeOver();
  try {
    ipc::configureModuleDealer(m_socket, m_options.moduleId, m_options.token);
    m_monitor.emplace(m_context, m_socket, kMonitorEvents);
    m_socket.connect(m_options.endpoint);
    connectAndHandshake();
  } catch (const ConnectError&) {
    throw;
  } catch (const std::exception& e) {
    throw ConnectError(std::string("cannot connect to plexus-node: ") + e.what());
  }
  m_heartbeat = milliseconds(
      m_handshake.heartbeat_interval_ms() > 0 ? m_handshake.heartbeat_interval_ms() : 1000);
  m_socketFd = m_socket.get(zmq::sockopt::fd);
  m_lastSent = m_lastMonitorCheck = Clock::now();
}

void Connection::connectAndHandshake() {
  PLEXUS_ASSERT_THREAD(m_owner);
  const auto deadline = Clock::now() + m_options.timeout;
  const std::string who = "module '" + m_options.moduleId + "'";
  // 1. The ZeroMQ handshake, where the node's ZAP handler checks the token.
  for (;;) {
    if (Clock::now() >= deadline) {
      throw ConnectError("no connection to plexus-node at " + m_options.endpoint + " within " +
                         std::to_string(m_options.timeout.count()) + " ms (" + who + ")");
    }
    auto event = m_monitor->next(std::min(remaining(deadline), milliseconds(100)));
    if (!event) continue;
    if (event->event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) break;
    if (event->event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
      throw ConnectError("plexus-node refused the credentials of " + who + " (ZAP status " +
                         std::to_string(event->value) +
                         "): the token is wrong or already used, or this process is not the "
                         "one plexus-node spawned for that id");
    }
    if (event->event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
        event->event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
      throw ConnectError("the ZeroMQ handshake with plexus-node failed (" +
                         std::string(ipc::monitorEventName(event->event)) + ") for " + who);
    }
  }
  // 2. The Plexus handshake.
  v1::Envelope hello;
  hello.set_protocol_major(m_options.protocolMajor);
  hello.set_protocol_minor(m_options.protocolMinor);
  auto* handshake = hello.mutable_handshake();
  handshake->set_module_id(m_options.moduleId);
  handshake->set_name(m_options.identity.name.empty() ? m_options.moduleId
                                                      : m_options.identity.name);
  handshake->set_version(m_options.identity.version.empty() ? kPlexusVersion
                                                            : m_options.identity.version);
  handshake->set_sdk_version(kPlexusVersion);
  m_socket.send(ipc::encodeEnvelope(hello), zmq::send_flags::none);
  for (;;) {
    if (Clock::now() >= deadline) {
      throw ConnectError("plexus-node did not answer the handshake of " + who + " within " +
                         std::to_string(m_options.timeout.count()) + " ms");
    }
    zmq::pollitem_t items[] = {{m_socket.handle(), 0, ZMQ_POLLIN, 0},
                               {m_monitor->socket().handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, std::min(remaining(deadline), milliseconds(100)));
    if (items[1].revents & ZMQ_POLLIN) {
      auto event = m_monitor->next(milliseconds(0));
      if (event && event->event == ZMQ_EVENT_DISCONNECTED) {
        throw ConnectError("plexus-node closed the connection during the handshake of " + who);
      }
    }
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    std::vector<zmq::message_t> frames;
    (void)zmq::recv_multipart(m_socket, std::back_inserter(frames));
    v1::Envelope reply;
    if (frames.empty() || !ipc::decodeEnvelope(frames[0], reply)) continue;
    if (reply.has_error()) {
      throw ConnectError("plexus-node refused the handshake of " + who + ": " +
                         reply.error().message());
    }
    if (reply.has_handshake_ack()) {
      m_handshake = reply.handshake_ack();
      return;
    }
  }
}

}  // namespace plexus::sdk::detail
