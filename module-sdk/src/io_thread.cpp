#include "io_thread.h"

#include <zmq_addon.hpp>

#include <deque>
#include <iostream>

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

IoThread::IoThread(const ConnectOptions& options, Inbox& inbox)
    : m_options(options), m_inbox(inbox) {
  if (m_options.protocolMajor == 0) {
    m_options.protocolMajor = ipc::kProtocolMajor;
    m_options.protocolMinor = ipc::kProtocolMinor;
  }
  auto connected = m_connected.get_future();
  m_thread = std::thread([this] { threadMain(); });
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
    std::lock_guard lock(m_requestsMutex);
    answer = m_requests[correlationId].get_future();
  }
  v1::Envelope envelope;
  ipc::stampVersion(envelope);
  *envelope.mutable_request() = std::move(request);
  send(envelope);
  if (answer.wait_for(timeout) != std::future_status::ready) {
    std::lock_guard lock(m_requestsMutex);
    m_requests.erase(correlationId);
    return makeError(v1::ERROR_CODE_TIMEOUT, "no answer from plexus-node within " +
                                                 std::to_string(timeout.count()) + " ms");
  }
  return answer.get();
}

void IoThread::completeRequest(std::uint64_t correlationId, Result<v1::Response> result) {
  std::lock_guard lock(m_requestsMutex);
  auto it = m_requests.find(correlationId);
  if (it == m_requests.end()) return;  // the caller gave up waiting
  it->second.set_value(std::move(result));
  m_requests.erase(it);
}

void IoThread::failPendingRequests(const std::string& why) {
  std::lock_guard lock(m_requestsMutex);
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

void IoThread::serve(zmq::socket_t& socket, ipc::SocketMonitor& monitor) {
  const milliseconds heartbeat(m_handshake.heartbeat_interval_ms() > 0
                                   ? m_handshake.heartbeat_interval_ms()
                                   : 1000);
  auto lastSent = Clock::now();
  std::deque<zmq::message_t> outbox;  // waiting for the socket to take them
  std::vector<Command> commands;
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
    zmq::pollitem_t items[] = {
        {socket.handle(), 0, static_cast<short>(lost ? 0 : ZMQ_POLLIN | (outbox.empty() ? 0 : ZMQ_POLLOUT)), 0},
        {monitor.socket().handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, m_commands.fd(), ZMQ_POLLIN, 0}};
    auto idleFor = std::chrono::duration_cast<milliseconds>(Clock::now() - lastSent);
    zmq::poll(items, 3, lost ? milliseconds(-1) : std::max(milliseconds(0), heartbeat - idleFor));

    if (items[1].revents & ZMQ_POLLIN) {
      while (auto event = monitor.next(milliseconds(0))) {
        if (event->event == ZMQ_EVENT_DISCONNECTED) hostLost("the connection to plexus-node is lost");
      }
    }
    if (!lost && (items[0].revents & ZMQ_POLLIN)) {
      for (int i = 0; i < 256; ++i) {
        std::vector<zmq::message_t> frames;
        if (!zmq::recv_multipart(socket, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
          break;
        }
        receive(frames);
      }
    }
    if (items[2].revents & ZMQ_POLLIN) {
      commands.clear();
      m_commands.drain(commands);
      for (Command& command : commands) {
        if (command.close) {
          closing = true;
        } else if (!lost) {
          outbox.push_back(std::move(command.frame));
        }
      }
    }
    flushOutbox();
    if (!lost && outbox.empty() && Clock::now() - lastSent >= heartbeat) {
      v1::Envelope beat;
      ipc::stampVersion(beat);
      beat.mutable_heartbeat();
      outbox.push_back(ipc::encodeEnvelope(beat));
      flushOutbox();
    }
  }
  // Closing: what is queued (the Goodbye and the last acks) still goes out; LINGER bounds it.
  for (auto& frame : outbox) {
    if (!socket.send(frame, zmq::send_flags::dontwait)) break;
  }
}

void IoThread::receive(std::vector<zmq::message_t>& frames) {
  if (frames.empty() || !ipc::decodeEnvelope(frames[0], m_scratch)) {
    std::cerr << "plexus-sdk: ignored a malformed message from plexus-node\n";
    return;
  }
  switch (m_scratch.body_case()) {
    case v1::Envelope::kEventBatch: {
      std::vector<zmq::message_t> bodies;
      bodies.reserve(frames.size() - 1);
      for (std::size_t i = 1; i < frames.size(); ++i) bodies.push_back(std::move(frames[i]));
      auto batch = ipc::decodeEventBatch(m_scratch.event_batch(), std::move(bodies));
      if (!batch) {
        std::cerr << "plexus-sdk: ignored a malformed event batch: " << batch.error().message
                  << "\n";
        return;
      }
      m_inbox.push({Incoming::Kind::Batch, std::move(batch).value(), {}});
      return;
    }
    case v1::Envelope::kResponse:
      completeRequest(m_scratch.response().correlation_id(), m_scratch.response());
      return;
    case v1::Envelope::kError: {
      const auto& error = m_scratch.error();
      if (error.correlation_id() != 0) {
        completeRequest(error.correlation_id(), makeError(error.code(), error.message()));
      } else {
        m_inbox.push({Incoming::Kind::HostError, {}, error.message()});
      }
      return;
    }
    case v1::Envelope::kSubscribeAck:
      m_inbox.push({Incoming::Kind::SubscribeAck, {}, {}});
      return;
    case v1::Envelope::kGoodbye:
      m_inbox.push({Incoming::Kind::HostGoodbye, {}, m_scratch.goodbye().reason()});
      return;
    default:
      return;  // HandshakeAck again, or something newer: nothing to do
  }
}

}  // namespace plexus::sdk::detail
