#pragma once

// IoThread: the SDK's I/O thread. It owns the module's DEALER socket and its monitor:
// connects, authenticates (PLAIN with the one-time token), handshakes, then receives event
// batches and replies, sends what other threads queue, and heartbeats while idle. A refused
// authentication (ZAP 400) or a dropped connection is seen at once through the monitor.
// Thread rule: the constructor, send(), request() and the destructor may be called from any
// thread; the socket is touched only by the thread this class starts (its private methods
// assert it).

#include <plexus/v1/wire.pb.h>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "inbox.h"
#include "plexus/ipc/result.h"
#include "plexus/ipc/socket_monitor.h"
#include "plexus/ipc/thread_annotations.h"
#include "plexus/ipc/thread_checker.h"
#include "plexus/ipc/wake_queue.h"
#include "plexus/sdk/module.h"

namespace plexus::sdk::detail {

class IoThread {
 public:
  // Connects and handshakes; throws ConnectError with the reason when that fails.
  IoThread(ConnectOptions options, Inbox& inbox);
  ~IoThread();  // sends what is queued (Goodbye included), then closes the socket

  const v1::HandshakeAck& handshake() const { return m_handshake; }

  // Queues an envelope; it is sent in queue order.
  void send(const v1::Envelope& envelope);
  // Sends a request and waits for its Response (or the Error with its correlation id).
  Result<v1::Response> request(v1::Request request, std::chrono::milliseconds timeout);

 private:
  struct Command {
    zmq::message_t frame;
    bool close = false;
  };
  void threadMain();
  void connectAndHandshake(zmq::socket_t& socket, ipc::SocketMonitor& monitor);
  void serve(zmq::socket_t& socket, ipc::SocketMonitor& monitor);
  void receive(std::vector<zmq::message_t>& frames);
  void failPendingRequests(const std::string& why);
  void completeRequest(std::uint64_t correlationId, Result<v1::Response> result);

  ConnectOptions m_options;
  Inbox& m_inbox;
  zmq::context_t m_context{1};
  ipc::WakeQueue<Command> m_commands;
  std::promise<void> m_connected;
  v1::HandshakeAck m_handshake;
  Mutex m_requestsMutex;
  std::unordered_map<std::uint64_t, std::promise<Result<v1::Response>>> m_requests
      PLEXUS_GUARDED_BY(m_requestsMutex);
  std::atomic<std::uint64_t> m_nextCorrelation{1};
  std::atomic<bool> m_hostLost{false};
  v1::Envelope m_scratch;  // I/O thread
  ThreadChecker m_ioThread;
  std::thread m_thread;
};

}  // namespace plexus::sdk::detail
