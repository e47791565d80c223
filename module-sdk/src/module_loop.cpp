#include <iostream>

#include "module_impl.h"
#include "plexus/ipc/protocol.h"
#include "subscribe_request.h"

namespace plexus::sdk {

namespace {

constexpr std::chrono::microseconds kIdleAckDelay{10000};
// While handlers work through received events, how often the run() loop looks for more (so a
// critical event that arrives meanwhile waits for one handler, not for the whole backlog).
constexpr std::chrono::microseconds kReceiveInterval{100};

}  // namespace

void Module::Impl::settle() {
  if (!m_beforeAck) return;
  try {
    m_beforeAck();
  } catch (const std::exception& e) {
    std::cerr << "plexus-sdk: module '" << m_id << "': the beforeAck function threw: " << e.what()
              << "\n";
  }
}

void Module::Impl::sendAck(v1::Lane lane, std::uint64_t throughSeq) {
  settle();
  v1::Envelope ack;
  ipc::stampVersion(ack);
  ack.mutable_ack()->set_through_seq(throughSeq);
  if (lane != v1::LANE_EVENT) ack.mutable_ack()->set_lane(lane);  // critical or replay
  m_connection.send(ack);
}

void Module::Impl::flushAcks() {
  for (v1::Lane lane : detail::LaneAcks::kLanes) {
    if (m_acks.unacked(lane)) sendAck(lane, m_acks.take(lane));
  }
}

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
    m_connection.serveBetweenHandlers(now);  // other threads' requests, heartbeats
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

}  // namespace plexus::sdk
