#pragma once

// Module::Impl: the state behind plexus::sdk::Module. Split by concern: the public API and the
// requests (module.cpp), the run() loop with its dispatch and acks (module_loop.cpp).
// Thread rule (module.h "Threads"): the run() loop's members (pending events, acks, handlers
// once run() started) belong to the thread in run(); the connection serves other threads'
// requests itself.

#include <array>
#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "connection.h"
#include "io_thread.h"
#include "pending_events.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/event_types.h"
#include "plexus/sdk/module.h"

namespace plexus::sdk {

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

  // Requests answered by the node (module.cpp).
  Result<v1::PublishResponse> publish(const v1::Event& event);
  Result<v1::DeliveryStats> stats();
  Result<v1::ReplayResponse> replay(const v1::ReplayRequest& replay);

  void onReplayEnd(std::function<void(const v1::ReplayEnd&)> handler) {
    m_replayEndHandler = std::move(handler);
  }

  void beforeAck(std::function<void()> settle) { m_beforeAck = std::move(settle); }

  std::uint64_t decodeErrors() const { return m_decodeErrors; }

 private:
  static v1::Envelope goodbye(const std::string& reason) {
    v1::Envelope envelope;
    ipc::stampVersion(envelope);
    envelope.mutable_goodbye()->set_reason(reason);
    return envelope;
  }
  // Cumulative credit return on one acked lane (the event lane's leaves Ack.lane unset: what
  // every minor reads as the event lane), after the beforeAck() function (module_loop.cpp).
  void sendAck(v1::Lane lane, std::uint64_t throughSeq);
  void flushAcks();
  // Runs the beforeAck() function, if any; logs what it throws.
  void settle();
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
  std::function<void()> m_beforeAck;
  std::atomic<std::uint64_t> m_decodeErrors{0};
  bool m_saidGoodbye = false;
  v1::Event m_event;  // reused for every delivery
  // The run() loop's (see pending_events.h).
  detail::PendingEvents m_pending;
  std::deque<detail::Incoming> m_deferred;  // arrived after pending events; acted on after them
  detail::LaneAcks m_acks{1, 1, 1};
  detail::Connection::Clock::time_point m_lastReceive;
};

}  // namespace plexus::sdk
