// Connection's start: the ZeroMQ handshake (where the node's ZAP handler checks the token or the
// CURVE key), then the Plexus handshake. Runs on the constructing thread, before anyone else can
// reach the socket; for a remote module again on the run() thread after a lost connection.

#include <poll.h>

#include <algorithm>
#include <iostream>
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
    : m_options(std::move(options)), m_remote(isRemoteEndpoint(m_options.endpoint)) {
  if (m_options.protocolMajor == 0) {
    m_options.protocolMajor = ipc::kProtocolMajor;
    m_options.protocolMinor = ipc::kProtocolMinor;
  }
  if (m_remote) m_keys = resolveCurveKeys(m_options);
  takeOver();
  const auto deadline = Clock::now() + m_options.timeout;
  std::string lastAnswer;  // the node's last UNAVAILABLE, kept for an attempt that then times out
  for (;;) {
    try {
      openSocket();
      connectAndHandshake(deadline);
      break;
    } catch (const RetryableConnectError& e) {
      // A remote module tries again within its timeout (the node may still hold its previous
      // connection); a local one was spawned for this very connection.
      if (e.answered()) lastAnswer = e.what();
      const auto delay = m_backoff.next();
      if (!m_remote || Clock::now() + delay >= deadline) {
        if (e.answered() || lastAnswer.empty()) throw ConnectError(e.what());
        throw ConnectError(std::string(e.what()) + "; the node's last answer: " + lastAnswer);
      }
      std::cerr << "plexus-sdk: " << e.what() << "; trying again\n";
      waitUnlessStopped(delay);
    } catch (const ConnectError&) {
      throw;
    } catch (const std::exception& e) {
      throw ConnectError(std::string("cannot connect to plexus-node: ") + e.what());
    }
  }
  handshaken();
}

void Connection::openSocket() {
  m_monitor.reset();  // before the socket it monitors goes
  if (m_socket) {
    m_socket.set(zmq::sockopt::linger, 0);  // what it holds belongs to a lost connection
    m_socket.close();
  }
  m_socket = zmq::socket_t(m_context, zmq::socket_type::dealer);
  if (m_remote) {
    configureRemoteDealer(m_socket, m_options.moduleId, m_keys, m_heartbeat);
  } else {
    ipc::configureModuleDealer(m_socket, m_options.moduleId, m_options.token);
  }
  m_monitor.emplace(m_context, m_socket, kMonitorEvents);
  m_socket.connect(m_options.endpoint);
}

void Connection::handshaken() {
  m_heartbeat = milliseconds(
      m_handshake.heartbeat_interval_ms() > 0 ? m_handshake.heartbeat_interval_ms() : 1000);
  m_socketFd = m_socket.get(zmq::sockopt::fd);
  m_lastSent = m_lastMonitorCheck = Clock::now();
  m_outbox.clear();
  m_lost = false;
}

bool Connection::stopRequested() {
  takeCommands();  // sends are dropped while lost; a Stop goes to m_ready
  return std::any_of(m_ready.begin(), m_ready.end(),
                     [](const Incoming& item) { return item.kind == Incoming::Kind::Stop; });
}

bool Connection::waitUnlessStopped(milliseconds delay) {
  const auto deadline = Clock::now() + delay;
  for (;;) {
    if (stopRequested()) return false;
    const auto left = remaining(deadline);
    if (left <= milliseconds(0)) return true;
    pollfd fd{m_commands.fd(), POLLIN, 0};
    if (!m_commands.prepareToSleep()) ::poll(&fd, 1, static_cast<int>(left.count()));
    m_commands.awake();
  }
}

bool Connection::reconnect() {
  PLEXUS_ASSERT_THREAD(m_owner);
  for (;;) {
    const auto delay = m_backoff.next();
    std::cerr << "plexus-sdk: module '" << m_options.moduleId << "': reconnecting to "
              << m_options.endpoint << " in " << delay.count() << " ms\n";
    if (!waitUnlessStopped(delay)) return false;
    try {
      openSocket();
      if (!connectAndHandshake(Clock::now() + m_options.timeout)) return false;
    } catch (const RetryableConnectError& e) {
      std::cerr << "plexus-sdk: " << e.what() << "\n";
      continue;
    } catch (const ConnectError&) {
      throw;
    } catch (const std::exception& e) {
      throw ConnectError(std::string("cannot connect to plexus-node: ") + e.what());
    }
    handshaken();
    std::cerr << "plexus-sdk: module '" << m_options.moduleId << "': reconnected, incarnation "
              << m_handshake.incarnation() << "\n";
    return true;
  }
}

bool Connection::connectAndHandshake(Clock::time_point deadline) {
  PLEXUS_ASSERT_THREAD(m_owner);
  const std::string who = "module '" + m_options.moduleId + "'";
  // 1. The ZeroMQ handshake, where the node's ZAP handler checks the token or the key.
  for (;;) {
    if (Clock::now() >= deadline) {
      throw RetryableConnectError("no connection to plexus-node at " + m_options.endpoint +
                                  " within " + std::to_string(m_options.timeout.count()) + " ms (" +
                                  who +
                                  (m_remote ? "; is the server key the node's public key?)" : ")"));
    }
    if (m_lost && stopRequested()) return false;
    auto event = m_monitor->next(std::min(remaining(deadline), milliseconds(100)));
    if (!event) continue;
    if (event->event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) break;
    if (event->event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH && m_remote) {
      throw ConnectError("the node refused this module's key (" + who + ", public key " +
                         m_keys.publicKey + ", ZAP status " + std::to_string(event->value) +
                         "): it is not the public_key configured for that id");
    }
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
      throw RetryableConnectError("plexus-node did not answer the handshake of " + who +
                                  " within " + std::to_string(m_options.timeout.count()) + " ms");
    }
    if (m_lost && stopRequested()) return false;
    zmq::pollitem_t items[] = {{m_socket.handle(), 0, ZMQ_POLLIN, 0},
                               {m_monitor->socket().handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, std::min(remaining(deadline), milliseconds(100)));
    if (items[1].revents & ZMQ_POLLIN) {
      auto event = m_monitor->next(milliseconds(0));
      if (event && event->event == ZMQ_EVENT_DISCONNECTED) {
        throw RetryableConnectError("plexus-node closed the connection during the handshake of " +
                                    who);
      }
    }
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    std::vector<zmq::message_t> frames;
    (void)zmq::recv_multipart(m_socket, std::back_inserter(frames));
    v1::Envelope reply;
    if (frames.empty() || !ipc::decodeEnvelope(frames[0], reply)) continue;
    if (reply.has_error() && reply.error().code() == v1::ERROR_CODE_UNAVAILABLE) {
      throw RetryableConnectError(
          "plexus-node cannot take the handshake of " + who + " now: " + reply.error().message(),
          RetryableConnectError::Kind::Answered);
    }
    if (reply.has_error()) {
      throw ConnectError("plexus-node refused the handshake of " + who + ": " +
                         reply.error().message());
    }
    if (reply.has_handshake_ack()) {
      m_handshake = reply.handshake_ack();
      return true;
    }
  }
}

}  // namespace plexus::sdk::detail
