#include "plexus/ipc/socket_monitor.h"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <zmq_addon.hpp>

namespace plexus::ipc {

namespace {
std::atomic<unsigned> g_monitorCounter{0};
}

SocketMonitor::SocketMonitor(zmq::context_t& context, zmq::socket_t& monitored, int events)
    : m_monitored(monitored),
      m_pair(context, zmq::socket_type::pair),
      m_endpoint("inproc://plexus-monitor-" + std::to_string(g_monitorCounter++)) {
  if (zmq_socket_monitor(monitored.handle(), m_endpoint.c_str(), events) != 0) {
    throw zmq::error_t();
  }
  m_pair.set(zmq::sockopt::linger, 0);
  m_pair.connect(m_endpoint);
}

SocketMonitor::~SocketMonitor() {
  if (m_monitored.handle() != nullptr) zmq_socket_monitor(m_monitored.handle(), nullptr, 0);
}

std::optional<MonitorEvent> SocketMonitor::next(std::chrono::milliseconds timeout) {
  PLEXUS_ASSERT_THREAD(m_thread);
  zmq::pollitem_t item{m_pair.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
  std::vector<zmq::message_t> frames;
  if (!zmq::recv_multipart(m_pair, std::back_inserter(frames), zmq::recv_flags::dontwait) ||
      frames.empty() || frames[0].size() < 6) {
    return std::nullopt;
  }
  MonitorEvent event;
  std::memcpy(&event.event, frames[0].data(), sizeof event.event);
  std::memcpy(&event.value, static_cast<const char*>(frames[0].data()) + 2, sizeof event.value);
  if (frames.size() > 1) event.endpoint = frames[1].to_string();
  return event;
}

const char* monitorEventName(std::uint16_t event) {
  switch (event) {
    case ZMQ_EVENT_CONNECTED:
      return "connected";
    case ZMQ_EVENT_CONNECT_DELAYED:
      return "connect delayed";
    case ZMQ_EVENT_CONNECT_RETRIED:
      return "connect retried";
    case ZMQ_EVENT_DISCONNECTED:
      return "disconnected";
    case ZMQ_EVENT_CLOSED:
      return "closed";
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
      return "handshake succeeded";
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
      return "handshake failed";
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
      return "handshake failed (protocol)";
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
      return "handshake failed (authentication)";
    default:
      return "other";
  }
}

std::string describeHandshakeFailure(const MonitorEvent& event) {
  if (event.event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
    return std::string("the connection failed during the ZMTP handshake: ") +
           std::strerror(static_cast<int>(event.value));
  }
  switch (event.value) {
    case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
      return "the peer offered another security mechanism than this socket's (no credentials?)";
    case ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND:
    case ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE:
      return "the peer broke the ZMTP handshake sequence";
    default:
      break;
  }
  if (event.value >= ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED &&
      event.value <= ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA) {
    return "the peer sent a malformed ZMTP command";
  }
  char code[16];
  std::snprintf(code, sizeof code, "0x%08x", event.value);
  return std::string("ZMTP protocol error ") + code;
}

}  // namespace plexus::ipc
