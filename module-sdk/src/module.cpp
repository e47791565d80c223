#include "plexus/sdk/module.h"

#include <array>
#include <atomic>
#include <deque>
#include <iostream>
#include <optional>

#include "connection.h"
#include "io_thread.h"
#include "pending_events.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"
#include "subscribe_request.h"

namespace plexus::sdk {

namespace {

constexpr std::chrono::milliseconds kRequestTimeout{60000};
constexpr std::chrono::microseconds kIdleAckDelay{10000};
// While handlers work through received events, how often the run() loop looks for more (so a
// critical event that arrives meanwhile waits for one handler, not for the whole backlog).
constexpr std::chrono::microseconds kReceiveInterval{100};

}  // namespace

class Module::Impl {
 public:
  explicit Impl(const ConnectOptions& options)
      : m_id(options.moduleId), m_connection(options), m_io(m_connection) {
    const auto& ack = m_connection.handshake();
    m_settings.insert(ack.settings().begin(), ack.settings().end());
  }

  ~Impl() {
    if (!m_saidGoodbye) m_connection.post(goodbye("module closed"));
  }

  const std::string& id() const { return m_id; }
  const v1::HandshakeAck& handshake() const { return m_connection.handshake(); }
  const std::map<std::string, std::string>& settings() const { return m_settings; }

  void on(v1::EventType type, Handler handler, std::string filter) {
    if (!ipc::isValidEventType(type)) {
      throw std::invalid_argument("Module::on: " + std::to_string(type) + " is not an event type");
    }
    m_handlers[static_cast<std::size_t>(type)] = std::move(handler);
    m_filters[static_cast<std::size_t>(type)] = std::move(filter);
  }

  int run() {
    m_io.park();  // this thread reads the socket now
    const int status = runLoop();
    m_io.unpark();
    return status;
  }

  void stop() { m_connection.postStop(); }

  Result<v1::PublishResponse> publish(const v1::Event& event) {
    v1::Request request;
    *request.mutable_publish()->mutable_event() = event;
    auto response = m_connection.request(std::move(request), kRequestTimeout);
    if (!response) return response.error();
    return response->publish();
  }

  Result<v1::DeliveryStats> stats() {
    v1::Request request;
    request.mutable_stats();
    auto response = m_connection.request(std::move(request), kRequestTimeout);
    if (!response) return response.error();
    return response->stats();
  }

  Result<v1::ReplayResponse> replay(const v1::ReplayRequest& replay) {
    const std::uint32_t minor = handshake().negotiated_minor();
    if (minor < ipc::kMinorReplay) {
      return makeError(v1::ERROR_CODE_UNAVAILABLE, "the node speaks protocol " +
                                                       std::to_string(ipc::kProtocolMajor) + "." +
                                                       std::to_string(minor) + "; replay needs " +
                                                       std::to_string(ipc::kProtocolMajor) + "." +
                                                       std::to_string(ipc::kMinorReplay));
    }
    v1::Request request;
    *request.mutable_replay() = replay;
    auto response = m_connection.request(std::move(request), kRequestTimeout);
    if (!response) return response.error();
    return response->replay();
  }

  void onReplayEnd(std::function<void(const v1::ReplayEnd&)> handler) {
    m_replayEndHandler = std::move(handler);
  }

  std::uint64_t decodeErrors() const { return m_decodeErrors; }

 private:
  static v1::Envelope goodbye(const std::string& reason) {
    v1::Envelope envelope;
    ipc::stampVersion(envelope);
    envelope.mutable_goodbye()->set_reason(reason);
    return envelope;
  }
  // Cumulative credit return on one acked lane (the event lane's leaves Ack.lane unset: what
  // every minor reads as the event lane).
  void sendAck(v1::Lane lane, std::uint64_t throughSeq) {
    v1::Envelope ack;
    ipc::stampVersion(ack);
    ack.mutable_ack()->set_through_seq(throughSeq);
    if (lane != v1::LANE_EVENT) ack.mutable_ack()->set_lane(lane);  // critical or replay
    m_connection.send(ack);
  }
  void flushAcks() {
    for (v1::Lane lane : detail::LaneAcks::kLanes) {
      if (m_acks.unacked(lane)) sendAck(lane, m_acks.take(lane));
    }
  }
  void sayGoodbye(const std::string& reason) {
    m_connection.send(goodbye(reason));
    m_saidGoodbye = true;
  }
  int runLoop();
  // Sends the Subscribe of every handler's type and resets the acks to the handshake's windows.
  void subscribe();
  // A remote module's lost connection: reconnects, then subscribes again (nullopt), or run()'s
  // status when it cannot (0 after stop(), 2 when the node refuses it for good).
  std::optional<int> reconnect();
  // Hands the next pending event (highest lane first) to its handler and returns its lane's
  // credit when half its window was handled, so the node refills while the rest is handled.
  // True when it was NodeShutdown. A ReplayEnd goes to its handler instead (nothing to ack).
  bool handleNext();
  void handleReplayEnd(const v1::ReplayEnd& end);
  // Between two handlers: serves other threads and heartbeats; and at most every
  // kReceiveInterval takes what arrived, so a critical batch overtakes the pending events.
  void betweenHandlers();
  // Moves what the connection received into the pending lanes, up to the first thing that is
  // not a batch (kept, in order, for after the pending events).
  void takeReceived();

  std::string m_id;
  detail::Connection m_connection;
  detail::IoThread m_io;
  std::map<std::string, std::string> m_settings;
  std::array<Handler, ipc::kEventTypeSlots> m_handlers;
  std::array<std::string, ipc::kEventTypeSlots> m_filters;  // "" = unfiltered
  std::function<void(const v1::ReplayEnd&)> m_replayEndHandler;
  std::atomic<std::uint64_t> m_decodeErrors{0};
  bool m_saidGoodbye = false;
  v1::Event m_event;  // reused for every delivery
  // The run() loop's (see pending_events.h).
  detail::PendingEvents m_pending;
  std::deque<detail::Incoming> m_deferred;  // arrived after pending events; acted on after them
  detail::LaneAcks m_acks{1, 1, 1};
  detail::Connection::Clock::time_point m_lastReceive;
};

void Module::Impl::handleReplayEnd(const v1::ReplayEnd& end) {
  if (!m_replayEndHandler) return;
  try {
    m_replayEndHandler(end);
  } catch (const std::exception& e) {
    std::cerr << "plexus-sdk: module '" << m_id << "': the ReplayEnd handler threw: " << e.what()
              << "\n";
  }
}

bool Module::Impl::handleNext() {
  const detail::PendingEvents::Event next = m_pending.front();
  if (next.replayEnd != nullptr) {
    handleReplayEnd(*next.replayEnd);
    m_pending.pop();
    return false;
  }
  bool shutdown = false;
  if (!m_event.ParseFromArray(next.body.data(), static_cast<int>(next.body.size()))) {
    ++m_decodeErrors;
    std::cerr << "plexus-sdk: module '" << m_id << "': event seq " << next.meta->seq()
              << " could not be decoded; skipped\n";
  } else {
    const auto type = m_event.type();
    shutdown = type == v1::EVENT_TYPE_NODE_SHUTDOWN;
    const std::size_t slot = static_cast<std::size_t>(type);
    if (slot < m_handlers.size() && m_handlers[slot]) {
      try {
        m_handlers[slot](next.delivery(m_event));
      } catch (const std::exception& e) {
        std::cerr << "plexus-sdk: module '" << m_id << "': the " << ipc::displayName(type)
                  << " handler threw: " << e.what() << "\n";
      }
    }
  }
  const v1::Lane lane = next.lane;
  const std::uint64_t seq = next.meta->seq();
  m_pending.pop();
  // Critical credit goes back as soon as no critical event waits: a rare critical event must not
  // hold its slot (nor keep a maintenance round open) while a long event-lane backlog is handled.
  const bool due = m_acks.handled(lane, seq);
  if (due || (lane == v1::LANE_CRITICAL && !m_pending.hasCritical())) {
    sendAck(lane, m_acks.take(lane));
  }
  return shutdown;
}

void Module::Impl::betweenHandlers() {
  const auto now = detail::Connection::Clock::now();
  if (now - m_lastReceive < kReceiveInterval || !m_deferred.empty()) {
    m_connection.serveBetweenHandlers();  // other threads' requests, heartbeats
    return;
  }
  m_lastReceive = now;
  m_connection.serve(std::chrono::milliseconds(0));  // the same, and receives
  takeReceived();
}

void Module::Impl::takeReceived() {
  while (m_deferred.empty()) {
    std::optional<detail::Incoming> in =
        m_connection.next(detail::Connection::Clock::time_point::min());
    if (!in) return;
    if (in->kind == detail::Incoming::Kind::Batch) {
      m_pending.push(std::move(in->batch));
    } else if (in->kind == detail::Incoming::Kind::ReplayEnd) {
      m_pending.push(std::move(*in->replayEnd));  // a marker in the replay lane
    } else {
      m_deferred.push_back(std::move(*in));
    }
  }
}

void Module::Impl::subscribe() {
  m_connection.send(
      detail::subscribeRequest(m_id, m_handlers, m_filters, handshake().negotiated_minor()));
  // Each lane's credit goes back at half its window.
  m_acks = detail::LaneAcks(std::max<std::uint64_t>(1, handshake().channel_capacity() / 2),
                            std::max<std::uint64_t>(1, handshake().critical_capacity() / 2),
                            std::max<std::uint64_t>(1, handshake().replay_capacity() / 2));
}

std::optional<int> Module::Impl::reconnect() {
  // What was received before the loss was handled (it came first); its acks went nowhere.
  try {
    if (!m_connection.reconnect()) return 0;  // stop() while waiting: nobody to say Goodbye to
  } catch (const ConnectError& e) {
    std::cerr << "plexus-sdk: module '" << m_id << "': " << e.what() << "\n";
    return 2;
  }
  subscribe();
  return std::nullopt;
}

int Module::Impl::runLoop() {
  subscribe();
  bool subscribed = false;
  bool shuttingDown = false;  // NodeShutdown handled: what was received is handled, then leave
  bool nodeStopping = false;  // a remote module after NodeShutdown: it comes back to the node
  using Clock = detail::Connection::Clock;
  m_lastReceive = Clock::now();
  for (;;) {
    if (!m_pending.empty()) {
      shuttingDown = handleNext() || shuttingDown;
      if (m_pending.empty()) continue;
      if (shuttingDown) {
        m_connection.serveBetweenHandlers();
      } else {
        betweenHandlers();
      }
      continue;
    }
    if (shuttingDown) {
      flushAcks();
      if ((nodeStopping = m_connection.remote())) {  // it may restart: reconnect to it
        shuttingDown = false;
        continue;
      }
      sayGoodbye("node shutdown");
      return 0;
    }
    std::optional<detail::Incoming> next;
    if (!m_deferred.empty()) {
      next = std::move(m_deferred.front());
      m_deferred.pop_front();
    } else {
      // Idle with unacked events: their credit goes back after kIdleAckDelay unless more events
      // arrive first. At a low rate this saves an ack message per event (half the traffic); it
      // holds credit the module does not need, since each lane acks itself at half its window.
      next = m_connection.next(m_acks.anyUnacked() ? Clock::now() + kIdleAckDelay
                                                   : Clock::time_point::max());
    }
    if (!next) {
      flushAcks();
      continue;
    }
    detail::Incoming in = std::move(*next);
    using Kind = detail::Incoming::Kind;
    switch (in.kind) {
      case Kind::Batch:
        m_pending.push(std::move(in.batch));
        // Whatever else the last receive brought: a critical batch behind many one-event batches
        // must not wait for them.
        takeReceived();
        break;
      case Kind::ReplayEnd:
        m_pending.push(std::move(*in.replayEnd));
        takeReceived();
        break;
      case Kind::SubscribeAck:
        subscribed = true;
        m_connection.productive();
        detail::reportRefused(m_id, in.message);
        break;
      case Kind::HostError:
        if (!subscribed) {
          std::cerr << "plexus-sdk: module '" << m_id << "': subscription refused: " << in.message
                    << "\n";
          sayGoodbye("subscription refused");
          return 1;
        }
        std::cerr << "plexus-sdk: module '" << m_id << "': plexus-node reports: " << in.message
                  << "\n";
        break;
      case Kind::Stop:
        flushAcks();
        sayGoodbye("stopped");
        return 0;
      case Kind::HostGoodbye:
        flushAcks();
        if (!nodeStopping) {
          sayGoodbye("unloaded");
          return 0;
        }
        [[fallthrough]];  // the Goodbye of a stopping node (after NodeShutdown): as a loss
      case Kind::HostLost:
        std::cerr << "plexus-sdk: module '" << m_id << "': " << in.message << "\n";
        if (auto status = m_connection.remote() ? reconnect() : 2; status) {
          m_saidGoodbye = true;  // nobody to say it to
          return *status;
        }
        subscribed = nodeStopping = false;
        break;
    }
  }
}

Module Module::connect(const ConnectOptions& options) {
  if (auto problem = ipc::validateModuleId(options.moduleId); !problem.empty()) {
    throw ConnectError("invalid module id '" + options.moduleId + "': " + problem);
  }
  return Module(std::make_unique<Impl>(options));
}

Module::Module(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Module::Module(Module&&) noexcept = default;
Module& Module::operator=(Module&&) noexcept = default;
Module::~Module() = default;

const std::string& Module::id() const {
  return m_impl->id();
}
std::uint64_t Module::incarnation() const {
  return m_impl->handshake().incarnation();
}
std::uint32_t Module::channelCapacity() const {
  return m_impl->handshake().channel_capacity();
}
std::uint32_t Module::protocolMinor() const {
  return m_impl->handshake().negotiated_minor();
}
std::uint32_t Module::replayCapacity() const {
  const auto& ack = m_impl->handshake();
  return ack.negotiated_minor() >= ipc::kMinorReplay ? ack.replay_capacity() : 0;
}
std::string Module::setting(const std::string& key, const std::string& fallback) const {
  auto it = m_impl->settings().find(key);
  return it != m_impl->settings().end() ? it->second : fallback;
}
const std::map<std::string, std::string>& Module::settings() const {
  return m_impl->settings();
}
void Module::on(v1::EventType type, Handler handler, std::string filter) {
  m_impl->on(type, std::move(handler), std::move(filter));
}
int Module::run() {
  return m_impl->run();
}
void Module::stop() {
  m_impl->stop();
}
Result<v1::PublishResponse> Module::publish(const v1::Event& event) {
  return m_impl->publish(event);
}
Result<v1::DeliveryStats> Module::stats() {
  return m_impl->stats();
}
Result<v1::ReplayResponse> Module::replay(const v1::ReplayRequest& request) {
  return m_impl->replay(request);
}
void Module::onReplayEnd(std::function<void(const v1::ReplayEnd&)> handler) {
  m_impl->onReplayEnd(std::move(handler));
}
std::uint64_t Module::localDecodeErrors() const {
  return m_impl->decodeErrors();
}

}  // namespace plexus::sdk
