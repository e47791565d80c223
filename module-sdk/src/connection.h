#pragma once

// Connection: the module's DEALER socket to plexus-node and everything on it: the handshake,
// the order of what goes out, heartbeats while idle, the replies to requests, and what the run()
// loop acts on (batches, acks, goodbyes), which waits in a queue until the owner takes it.
//
// Thread rule: one thread at a time owns the connection: the thread that constructs it, then the
// SDK's I/O thread (io_thread.h), then the thread in Module::run() for as long as run() runs,
// then the I/O thread again. Ownership moves only through handOver() then takeOver() on the next
// owner, with a mutex hand-over in between (the full memory barrier libzmq asks for when a socket
// changes threads). The owner's methods assert it. post(), postStop(), wake() and request() may
// be called from any thread: the owner serves them. A request() from the owner itself (a handler
// publishing) serves the socket until its answer comes, keeping what else arrives for later.
// A remote (tcp://) connection authenticates with CURVE instead of the token, and its owner may
// reconnect() it after a loss: a new socket, handshake and incarnation.

#include <plexus/v1/wire.pb.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "incoming.h"
#include "plexus/ipc/result.h"
#include "plexus/ipc/socket_monitor.h"
#include "plexus/ipc/thread_annotations.h"
#include "plexus/ipc/thread_checker.h"
#include "plexus/ipc/wake_queue.h"
#include "plexus/sdk/module.h"
#include "remote_connect.h"

namespace plexus::sdk::detail {

// A connection attempt that may succeed later: no answer in time, the connection closed during
// the handshake, or the handshake answered UNAVAILABLE. A remote module tries again.
class RetryableConnectError : public ConnectError {
 public:
  enum class Kind { NoAnswer, Answered };
  explicit RetryableConnectError(const std::string& what, Kind kind = Kind::NoAnswer)
      : ConnectError(what), m_kind(kind) {}
  // The node answered (UNAVAILABLE): the reason is worth keeping when a later attempt times out.
  bool answered() const { return m_kind == Kind::Answered; }

 private:
  Kind m_kind;
};

class Connection {
 public:
  using Clock = std::chrono::steady_clock;

  // Connects, authenticates (PLAIN with the one-time token, or CURVE for tcp://) and handshakes
  // on the calling thread, which then owns the connection. Throws ConnectError with the reason.
  explicit Connection(ConnectOptions options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The owner's (it changes at reconnect()); others read it only while no run() loop runs.
  const v1::HandshakeAck& handshake() const { return m_handshake; }
  bool remote() const { return m_remote; }

  // Owner, a remote connection that was lost (Incoming::HostLost taken): waits the backoff,
  // opens a new socket and handshakes, again until it succeeds (true), stop() is called while
  // it waits (false, with Incoming::Stop ready), or the node refuses for good (ConnectError).
  bool reconnect();
  // Owner: the connection did its work (handshake and subscription): the backoff starts over.
  void productive() { m_backoff.reset(); }

  // Any thread. Queues an envelope; the owner sends it, in queue order.
  void post(const v1::Envelope& envelope);
  // Any thread: the run() loop gets Incoming::Stop after what is already waiting for it.
  void postStop();
  // Any thread: the owner returns from a wait in serve().
  void wake();
  // Any thread: sends a request and waits for its Response (or the Error with its correlation
  // id). On the owner's thread it serves the socket meanwhile.
  Result<v1::Response> request(v1::Request request, std::chrono::milliseconds timeout);

  // Owner. Sends an envelope now (after what could not be sent yet).
  void send(const v1::Envelope& envelope);
  // Owner. One round: takes what other threads posted, sends, heartbeats if nothing went out for
  // a heartbeat interval, receives everything that arrived; then, unless this round brought
  // something for the run() loop or a reply to a request, blocks up to `maxWait` (less when a
  // heartbeat is due) for more.
  void serve(std::chrono::milliseconds maxWait);
  // Owner, between two handlers: takes what other threads posted and heartbeats if due. Does
  // not receive (the next serve() does). `now`: the caller's clock reading, when it has one.
  void serveBetweenHandlers(Clock::time_point now = Clock::now());
  // Owner. The next thing for the run() loop, serving the socket until one comes or `deadline`.
  std::optional<Incoming> next(Clock::time_point deadline);
  // Owner, when it is done for good: sends what is queued (a Goodbye, the last acks) without
  // waiting; the socket's linger bounds what is left.
  void flushAtClose();

  // The owner gives the connection up; the next owner calls takeOver() after a mutex hand-over.
  void handOver();
  void takeOver();

 private:
  struct Command {
    enum class Kind { Send, Stop, Wake };
    Kind kind = Kind::Wake;
    zmq::message_t frame;
  };
  void openSocket();
  // False when stop() was called meanwhile (looked at only while reconnecting).
  bool connectAndHandshake(Clock::time_point deadline);
  void handshaken();
  // Waits `delay` for stop(): false when it came.
  bool waitUnlessStopped(std::chrono::milliseconds delay);
  // Takes what other threads posted: whether a stop() is among it (then Incoming::Stop waits).
  bool stopRequested();
  bool onOwnerThread() const;
  void takeCommands();
  void flushOutbox();
  void heartbeatIfIdle(Clock::time_point now);
  void receiveAll();
  void receive(std::vector<zmq::message_t>& frames);
  void checkMonitor(Clock::time_point now);
  void hostLost(const std::string& why);
  void failPendingRequests(const std::string& why);
  void completeRequest(std::uint64_t correlationId, Result<v1::Response> result);

  ConnectOptions m_options;
  bool m_remote = false;
  CurveKeys m_keys;  // remote only
  Backoff m_backoff;
  zmq::context_t m_context{1};
  zmq::socket_t m_socket;
  std::optional<ipc::SocketMonitor> m_monitor;
  v1::HandshakeAck m_handshake;
  std::chrono::milliseconds m_heartbeat{1000};
  int m_socketFd = -1;

  ipc::WakeQueue<Command> m_commands;
  Mutex m_requestsMutex;
  std::unordered_map<std::uint64_t, std::promise<Result<v1::Response>>> m_requests
      PLEXUS_GUARDED_BY(m_requestsMutex);
  std::atomic<std::uint64_t> m_nextCorrelation{1};
  std::atomic<bool> m_lost{false};
  std::atomic<std::thread::id> m_ownerId;

  // Owner only.
  std::deque<zmq::message_t> m_outbox;  // waiting for the socket to take them (EAGAIN)
  std::deque<Incoming> m_ready;         // for the run() loop, in arrival order
  std::uint64_t m_repliesReceived = 0;  // Responses and Errors with a correlation id
  bool m_woken = false;                 // a wake() was taken in this serve() round
  std::vector<Command> m_taken;
  std::vector<zmq::message_t> m_frames;
  v1::Envelope m_scratch;
  Clock::time_point m_lastSent;
  Clock::time_point m_lastMonitorCheck;
  ThreadChecker m_owner;
};

}  // namespace plexus::sdk::detail
