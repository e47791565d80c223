#pragma once

// SocketMonitor: reads a socket's ZeroMQ monitor events (zmq_socket_monitor over inproc PAIR).
// The SDK uses it to learn at once that the host refused its credentials (handshake failed
// with ZAP status 400) or that the connection to the host dropped; the node uses it to log
// connections that ZeroMQ refuses before ZAP is asked (no credentials, junk instead of ZMTP).
// Thread rule: the thread that owns the monitored socket owns the monitor too (next() asserts
// it).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <zmq.hpp>

#include "plexus/ipc/thread_checker.h"

namespace plexus::ipc {

struct MonitorEvent {
  std::uint16_t event = 0;  // ZMQ_EVENT_*
  std::uint32_t value = 0;  // errno, fd, or ZAP status code (for HANDSHAKE_FAILED_AUTH)
  std::string endpoint;
};

class SocketMonitor {
 public:
  // Call before connect() so no event is missed.
  SocketMonitor(zmq::context_t& context, zmq::socket_t& monitored, int events);
  ~SocketMonitor();
  SocketMonitor(const SocketMonitor&) = delete;
  SocketMonitor& operator=(const SocketMonitor&) = delete;

  zmq::socket_t& socket() { return m_pair; }
  // The monitored socket moved to another thread (with a full memory barrier): so does this.
  void handOver() { m_thread.detach(); }
  // Next event, waiting up to `timeout` (zero: only what is already there).
  std::optional<MonitorEvent> next(std::chrono::milliseconds timeout);

 private:
  zmq::socket_t& m_monitored;
  zmq::socket_t m_pair;
  std::string m_endpoint;
  ThreadChecker m_thread;
};

const char* monitorEventName(std::uint16_t event);

// What a HANDSHAKE_FAILED_PROTOCOL or HANDSHAKE_FAILED_NO_DETAIL event means, for a log line:
// e.g. "the peer offered another security mechanism (no credentials?)".
std::string describeHandshakeFailure(const MonitorEvent& event);

}  // namespace plexus::ipc
