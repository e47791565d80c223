#include "connection.h"

#include <poll.h>

#include <iostream>
#include <iterator>
#include <zmq_addon.hpp>

#include "incoming_decoder.h"
#include "plexus/ipc/envelope_codec.h"

namespace plexus::sdk::detail {

namespace {

using std::chrono::milliseconds;

milliseconds until(Connection::Clock::time_point due, Connection::Clock::time_point now) {
  return std::max(milliseconds(0), std::chrono::ceil<milliseconds>(due - now));
}

}  // namespace

Connection::~Connection() = default;

void Connection::handOver() {
  PLEXUS_ASSERT_THREAD(m_owner);
  m_ownerId.store(std::thread::id{}, std::memory_order_release);
  m_commands.handOver();
  m_monitor->handOver();
  m_owner.detach();
}

void Connection::takeOver() {
  PLEXUS_ASSERT_THREAD(m_owner);  // binds the new owner
  m_ownerId.store(std::this_thread::get_id(), std::memory_order_release);
}

bool Connection::onOwnerThread() const {
  return m_ownerId.load(std::memory_order_acquire) == std::this_thread::get_id();
}

void Connection::post(const v1::Envelope& envelope) {
  m_commands.push(Command{Command::Kind::Send, ipc::encodeEnvelope(envelope)});
}

void Connection::postStop() {
  m_commands.push(Command{Command::Kind::Stop, {}});
}

void Connection::wake() {
  m_commands.push(Command{Command::Kind::Wake, {}});
}

void Connection::send(const v1::Envelope& envelope) {
  PLEXUS_ASSERT_THREAD(m_owner);
  if (m_lost) return;
  m_outbox.push_back(ipc::encodeEnvelope(envelope));
  flushOutbox();
}

Result<v1::Response> Connection::request(v1::Request request, milliseconds timeout) {
  if (m_lost) {
    return makeError(v1::ERROR_CODE_UNAVAILABLE, "the connection to plexus-node is lost");
  }
  const auto deadline = Clock::now() + timeout;
  const std::uint64_t correlationId = m_nextCorrelation++;
  request.set_correlation_id(correlationId);
  std::future<Result<v1::Response>> answer;
  {
    MutexLock lock(m_requestsMutex);
    answer = m_requests[correlationId].get_future();
  }
  if (m_lost) {  // lost since the check above: nobody would fail this request any more
    MutexLock lock(m_requestsMutex);
    m_requests.erase(correlationId);
    return makeError(v1::ERROR_CODE_UNAVAILABLE, "the connection to plexus-node is lost");
  }
  v1::Envelope envelope;
  ipc::stampVersion(envelope);
  *envelope.mutable_request() = std::move(request);
  bool answered = false;
  if (onOwnerThread()) {
    // A handler asking: nobody else reads the socket, so this thread does until the answer
    // comes. Events that arrive meanwhile wait in m_ready; the node's credit bounds them.
    send(envelope);
    while (!(answered = answer.wait_for(milliseconds(0)) == std::future_status::ready)) {
      const auto now = Clock::now();
      if (now >= deadline) break;
      serve(until(deadline, now));
    }
  } else {
    post(envelope);
    answered = answer.wait_until(deadline) == std::future_status::ready;
  }
  if (!answered) {
    MutexLock lock(m_requestsMutex);
    m_requests.erase(correlationId);
    return makeError(v1::ERROR_CODE_TIMEOUT, "no answer from plexus-node within " +
                                                 std::to_string(timeout.count()) + " ms");
  }
  return answer.get();
}

void Connection::completeRequest(std::uint64_t correlationId, Result<v1::Response> result) {
  MutexLock lock(m_requestsMutex);
  auto it = m_requests.find(correlationId);
  if (it == m_requests.end()) return;  // the caller gave up waiting
  it->second.set_value(std::move(result));
  m_requests.erase(it);
}

void Connection::failPendingRequests(const std::string& why) {
  MutexLock lock(m_requestsMutex);
  for (auto& [id, promise] : m_requests) {
    promise.set_value(makeError(v1::ERROR_CODE_UNAVAILABLE, why));
  }
  m_requests.clear();
}

void Connection::hostLost(const std::string& why) {
  if (m_lost.exchange(true)) return;
  m_outbox.clear();
  failPendingRequests(why);
  m_ready.push_back({Incoming::Kind::HostLost, {}, why, {}});
}

void Connection::takeCommands() {
  m_taken.clear();
  m_commands.drain(m_taken);  // no syscall unless a producer woke us
  for (Command& command : m_taken) {
    switch (command.kind) {
      case Command::Kind::Send:
        if (!m_lost) m_outbox.push_back(std::move(command.frame));
        break;
      case Command::Kind::Stop:
        m_ready.push_back({Incoming::Kind::Stop, {}, {}, {}});
        break;
      case Command::Kind::Wake:
        m_woken = true;
        break;
    }
  }
}

void Connection::flushOutbox() {
  while (!m_outbox.empty() && !m_lost) {
    if (!m_socket.send(m_outbox.front(), zmq::send_flags::dontwait)) return;  // EAGAIN
    m_outbox.pop_front();
    m_lastSent = Clock::now();
  }
}

void Connection::heartbeatIfIdle(Clock::time_point now) {
  if (m_lost || !m_outbox.empty() || now - m_lastSent < m_heartbeat) return;
  v1::Envelope beat;
  ipc::stampVersion(beat);
  beat.mutable_heartbeat();
  m_outbox.push_back(ipc::encodeEnvelope(beat));
  flushOutbox();
}

void Connection::receiveAll() {
  // Ends with a receive that finds nothing: ZMQ_FD is then safe to wait on.
  while (!m_lost) {
    m_frames.clear();
    if (!zmq::recv_multipart(m_socket, std::back_inserter(m_frames), zmq::recv_flags::dontwait)) {
      return;
    }
    receive(m_frames);
  }
}

void Connection::receive(std::vector<zmq::message_t>& frames) {
  DecodedMessage message = decodeIncoming(frames, m_scratch, m_handshake.negotiated_minor());
  switch (message.kind) {
    case DecodedMessage::Kind::ForRunLoop:
      m_ready.push_back(std::move(message.incoming));
      return;
    case DecodedMessage::Kind::Reply:
      ++m_repliesReceived;
      completeRequest(message.correlationId, std::move(message.reply));
      return;
    case DecodedMessage::Kind::Malformed:
      std::cerr << "plexus-sdk: ignored a malformed message from plexus-node: " << message.problem
                << "\n";
      return;
    case DecodedMessage::Kind::Ignored:
      return;
  }
}

// A dead node: PR_SET_PDEATHSIG ends the module at once; the monitor (checked once per heartbeat
// interval, off the hot path) covers a connection that dropped otherwise.
void Connection::checkMonitor(Clock::time_point now) {
  if (m_lost || now - m_lastMonitorCheck < m_heartbeat) return;
  m_lastMonitorCheck = now;
  while (auto event = m_monitor->next(milliseconds(0))) {
    if (event->event == ZMQ_EVENT_DISCONNECTED) hostLost("the connection to plexus-node is lost");
  }
}

// libzmq's ZMQ_FD is edge-style: it is safe to block on only after an operation that found
// nothing to receive, with no socket operation in between, which is how this is ordered. Plain
// poll(2) instead of zmq_poll saves about ten syscalls per wait (zmq_poll polls twice and asks
// every socket for ZMQ_EVENTS, each a getpid() and a poll()).
void Connection::serve(milliseconds maxWait) {
  PLEXUS_ASSERT_THREAD(m_owner);
  // Only what arrives in this round ends the wait early: what already waits for the run() loop
  // is the run() loop's business (the I/O thread never takes it, and must not spin on it). A
  // reply ends it too: a handler's request() is waiting for it in the caller's loop.
  const std::size_t readyBefore = m_ready.size();
  const std::uint64_t repliesBefore = m_repliesReceived;
  m_woken = false;
  takeCommands();
  flushOutbox();
  auto now = Clock::now();
  heartbeatIfIdle(now);
  receiveAll();
  checkMonitor(now);
  // And a wake() taken in this round: it was meant for the wait below (the I/O thread asked to
  // park or close after it looked at its state).
  if (m_ready.size() > readyBefore || m_repliesReceived != repliesBefore || m_woken ||
      maxWait <= milliseconds(0)) {
    return;
  }
  auto timeout = std::min(maxWait, milliseconds(60000));
  if (!m_lost) {
    now = Clock::now();
    timeout = std::min({timeout, until(m_lastSent + m_heartbeat, now),
                        until(m_lastMonitorCheck + m_heartbeat, now)});
  }
  if (!m_outbox.empty()) timeout = std::min(timeout, milliseconds(1));  // retry a full pipe
  if (m_commands.prepareToSleep()) timeout = milliseconds(0);
  pollfd fds[2] = {{m_commands.fd(), POLLIN, 0}, {m_socketFd, POLLIN, 0}};
  ::poll(fds, m_lost ? 1 : 2, static_cast<int>(timeout.count()));
  m_commands.awake();
}

void Connection::serveBetweenHandlers(Clock::time_point now) {
  PLEXUS_ASSERT_THREAD(m_owner);
  if (m_commands.mayHaveItems()) {  // lock-free: no lock taken unless someone posted
    takeCommands();
    flushOutbox();
  }
  heartbeatIfIdle(now);
}

std::optional<Incoming> Connection::next(Clock::time_point deadline) {
  PLEXUS_ASSERT_THREAD(m_owner);
  for (;;) {
    if (!m_ready.empty()) {
      Incoming item = std::move(m_ready.front());
      m_ready.pop_front();
      return item;
    }
    const auto now = Clock::now();
    if (now >= deadline) return std::nullopt;
    serve(until(deadline, now));
  }
}

void Connection::flushAtClose() {
  PLEXUS_ASSERT_THREAD(m_owner);
  takeCommands();
  for (auto& frame : m_outbox) {
    if (m_lost || !m_socket.send(frame, zmq::send_flags::dontwait)) break;
  }
  m_outbox.clear();
}

}  // namespace plexus::sdk::detail
