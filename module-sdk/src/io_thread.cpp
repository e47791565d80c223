#include "io_thread.h"

#include <poll.h>
#include <pthread.h>

#include <deque>
#include <iostream>
#include <zmq_addon.hpp>

#include "incoming_decoder.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/event_batch_codec.h"
#include "plexus/ipc/protocol.h"
#include "plexus/ipc/socket_monitor.h"
#include "plexus/ipc/sockets.h"
#include "plexus/version.h"

namespace plexus::sdk::detail {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kMonitorEvents = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_DISCONNECTED;

milliseconds remaining(Clock::time_point deadline) {
  return std::max(milliseconds(0),
                  std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

}  // namespace

IoThread::IoThread(ConnectOptions options, Inbox& inbox)
    : m_options(std::move(options)), m_inbox(inbox) {
  if (m_options.protocolMajor == 0) {
    m_options.protocolMajor = ipc::kProtocolMajor;
    m_options.protocolMinor = ipc::kProtocolMinor;
  }
  auto connected = m_connected.get_future();
  m_thread = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "plexus-sdk-io");
    threadMain();
  });
  try {
    connected.get();
  } catch (...) {
    m_thread.join();
    throw;
  }
}

IoThread::~IoThread() {
  m_commands.push(Command{zmq::message_t(), true});
  m_thread.join();
}

void IoThread::send(const v1::Envelope& envelope) {
  m_commands.push(Command{ipc::encodeEnvelope(envelope), false});
}

Result<v1::Response> IoThread::request(v1::Request request, milliseconds timeout) {
  if (m_hostLost) {
    return makeError(v1::ERROR_CODE_UNAVAILABLE, "the connection to plexus-node is lost");
  }
  const std::uint64_t correlationId = m_nextCorrelation++;
  request.set_correlation_id(correlationId);
  std::future<Result<v1::Response>> answer;
  {
    MutexLock lock(m_requestsMutex);
    answer = m_requests[correlationId].get_future();
  }
  v1::Envelope envelope;
  ipc::stampVersion(envelope);
  *envelope.mutable_request() = std::move(request);
  send(envelope);
  if (answer.wait_for(timeout) != std::future_status::ready) {
    MutexLock lock(m_requestsMutex);
    m_requests.erase(correlationId);
    return makeError(v1::ERROR_CODE_TIMEOUT, "no answer from plexus-node within " +
                                                 std::to_string(timeout.count()) + " ms");
  }
  return answer.get();
}

void IoThread::completeRequest(std::uint64_t correlationId, Result<v1::Response> result) {
  MutexLock lock(m_requestsMutex);
  auto it = m_requests.find(correlationId);
  if (it == m_requests.end()) return;  // the caller gave up waiting
  it->second.set_value(std::move(result));
  m_requests.erase(it);
}

void IoThread::failPendingRequests(const std::string& why) {
  MutexLock lock(m_requestsMutex);
  for (auto& [id, promise] : m_requests) {
    promise.set_value(makeError(v1::ERROR_CODE_UNAVAILABLE, why));
  }
  m_requests.clear();
}

void IoThread::threadMain() {
  bool connected = false;
  try {
    zmq::socket_t socket(m_context, zmq::socket_type::dealer);
    ipc::configureModuleDealer(socket, m_options.moduleId, m_options.token);
    ipc::SocketMonitor monitor(m_context, socket, kMonitorEvents);
    socket.connect(m_options.endpoint);
    connectAndHandshake(socket, monitor);
    connected = true;
    m_connected.set_value();
    serve(socket, monitor);
  } catch (const ConnectError&) {
    m_connected.set_exception(std::current_exception());
  } catch (const std::exception& e) {
    if (!connected) {
      m_connected.set_exception(std::make_exception_ptr(
          ConnectError(std::string("cannot connect to plexus-node: ") + e.what())));
    } else {
      m_hostLost = true;
      failPendingRequests(e.what());
      m_inbox.push({Incoming::Kind::HostLost, {}, e.what()});
    }
  }
}

void IoThread::connectAndHandshake(zmq::socket_t& socket, ipc::SocketMonitor& monitor) {
  PLEXUS_ASSERT_THREAD(m_ioThread);
  const auto deadline = Clock::now() + m_options.timeout;
  const std::string who = "module '" + m_options.moduleId + "'";
  // 1. The ZeroMQ handshake, where the node's ZAP handler checks the token.
  for (;;) {
    if (Clock::now() >= deadline) {
      throw ConnectError("no connection to plexus-node at " + m_options.endpoint + " within " +
                         std::to_string(m_options.timeout.count()) + " ms (" + who + ")");
    }
    auto event = monitor.next(std::min(remaining(deadline), milliseconds(100)));
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
  socket.send(ipc::encodeEnvelope(hello), zmq::send_flags::none);
  for (;;) {
    if (Clock::now() >= deadline) {
      throw ConnectError("plexus-node did not answer the handshake of " + who + " within " +
                         std::to_string(m_options.timeout.count()) + " ms");
    }
    zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0},
                               {monitor.socket().handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, std::min(remaining(deadline), milliseconds(100)));
    if (items[1].revents & ZMQ_POLLIN) {
      auto event = monitor.next(milliseconds(0));
      if (event && event->event == ZMQ_EVENT_DISCONNECTED) {
        throw ConnectError("plexus-node closed the connection during the handshake of " + who);
      }
    }
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    std::vector<zmq::message_t> frames;
    (void)zmq::recv_multipart(socket, std::back_inserter(frames));
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

// One iteration: send what other threads queued, heartbeat if idle, receive everything that
// arrived, then block in poll(2) on the socket's ZMQ_FD and the command eventfd. libzmq's
// ZMQ_FD is edge-style: it is safe to block on only after an operation that found nothing to
// receive, with no socket operation in between, which is how the loop is ordered. Plain poll(2)
// instead of zmq_poll saves about ten syscalls per wait (zmq_poll polls twice and asks every
// socket for ZMQ_EVENTS, each a getpid() and a poll()).
void IoThread::serve(zmq::socket_t& socket, ipc::SocketMonitor& monitor) {
  PLEXUS_ASSERT_THREAD(m_ioThread);
  const milliseconds heartbeat(
      m_handshake.heartbeat_interval_ms() > 0 ? m_handshake.heartbeat_interval_ms() : 1000);
  const int socketFd = socket.get(zmq::sockopt::fd);
  auto lastSent = Clock::now();
  auto lastMonitorCheck = lastSent;
  std::deque<zmq::message_t> outbox;  // waiting for the socket to take them (EAGAIN)
  std::vector<Command> commands;
  std::vector<zmq::message_t> frames;
  bool closing = false;
  bool lost = false;

  auto flushOutbox = [&] {
    while (!outbox.empty() && !lost) {
      if (!socket.send(outbox.front(), zmq::send_flags::dontwait)) return;  // EAGAIN
      outbox.pop_front();
      lastSent = Clock::now();
    }
  };
  auto hostLost = [&](const std::string& why) {
    if (lost) return;
    lost = true;
    m_hostLost = true;
    outbox.clear();
    failPendingRequests(why);
    m_inbox.push({Incoming::Kind::HostLost, {}, why});
  };

  while (!closing) {
    commands.clear();
    m_commands.drain(commands);  // no syscall unless a producer woke us
    for (Command& command : commands) {
      if (command.close) {
        closing = true;
      } else if (!lost) {
        outbox.push_back(std::move(command.frame));
      }
    }
    flushOutbox();
    const auto now = Clock::now();
    if (!lost && outbox.empty() && now - lastSent >= heartbeat) {
      v1::Envelope beat;
      ipc::stampVersion(beat);
      beat.mutable_heartbeat();
      outbox.push_back(ipc::encodeEnvelope(beat));
      flushOutbox();
    }
    if (!lost) {
      for (;;) {  // ends with a receive that finds nothing: ZMQ_FD is then safe to wait on
        frames.clear();
        if (!zmq::recv_multipart(socket, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
          break;
        }
        receive(frames);
      }
    }
    // A dead node: PR_SET_PDEATHSIG ends the module at once; the monitor (checked once per
    // heartbeat interval, off the hot path) covers a connection that dropped otherwise.
    if (!lost && now - lastMonitorCheck >= heartbeat) {
      lastMonitorCheck = now;
      while (auto event = monitor.next(milliseconds(0))) {
        if (event->event == ZMQ_EVENT_DISCONNECTED)
          hostLost("the connection to plexus-node is lost");
      }
    }
    if (closing) break;

    auto timeout = lost ? milliseconds(-1)
                        : std::max(milliseconds(0),
                                   std::min(heartbeat - std::chrono::duration_cast<milliseconds>(
                                                            Clock::now() - lastSent),
                                            heartbeat - std::chrono::duration_cast<milliseconds>(
                                                            Clock::now() - lastMonitorCheck)));
    if (!outbox.empty()) timeout = std::min(timeout, milliseconds(1));  // retry a full pipe
    if (m_commands.prepareToSleep()) timeout = milliseconds(0);
    pollfd fds[2] = {{m_commands.fd(), POLLIN, 0}, {socketFd, POLLIN, 0}};
    ::poll(fds, lost ? 1 : 2, static_cast<int>(timeout.count()));
    m_commands.awake();
  }
  // Closing: what is queued (the Goodbye and the last acks) still goes out; LINGER bounds it.
  for (auto& frame : outbox) {
    if (!socket.send(frame, zmq::send_flags::dontwait)) break;
  }
}

void IoThread::receive(std::vector<zmq::message_t>& frames) {
  PLEXUS_ASSERT_THREAD(m_ioThread);
  DecodedMessage message = decodeIncoming(frames, m_scratch);
  switch (message.kind) {
    case DecodedMessage::Kind::ForRunLoop:
      m_inbox.push(std::move(message.incoming));
      return;
    case DecodedMessage::Kind::Reply:
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

}  // namespace plexus::sdk::detail
