// Hostile (hostile.h): what the node sends, one report line each. Meanwhile it acts like a live
// module: heartbeats when idle, acks every batch, leaves on NodeShutdown or Goodbye.

#include <algorithm>
#include <zmq_addon.hpp>

#include "hostile.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/event_batch_codec.h"
#include "plexus/ipc/event_types.h"

namespace plexus::hostile {

namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

std::string detailOf(const v1::Event& e) {
  using E = v1::Event;
  switch (e.payload_case()) {
    case E::kNewBlock:
      return std::to_string(e.new_block().height());
    case E::kPeerConnected:
      return e.peer_connected().peer_id();
    case E::kModuleLoaded:
      return e.module_loaded().module_id() + "#" + std::to_string(e.module_loaded().incarnation());
    default:
      return "-";
  }
}

}  // namespace

void Hostile::pump(milliseconds timeout) {
  if (m_handshaken && !m_disconnected && Clock::now() - m_lastSent >= m_heartbeat) {
    v1::Envelope beat = stamped();
    beat.mutable_heartbeat();
    send(beat);
  }
  const auto untilBeat =
      std::chrono::duration_cast<milliseconds>(m_heartbeat - (Clock::now() - m_lastSent));
  timeout = std::max(0ms, std::min(timeout, untilBeat));
  zmq::pollitem_t items[] = {{m_socket.handle(), 0, ZMQ_POLLIN, 0},
                             {m_monitor->socket().handle(), 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, 2, timeout);
  for (;;) {
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(m_socket, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
      break;
    }
    receive(frames);
  }
  while (auto event = m_monitor->next(0ms)) {
    recordMonitor(*event);
    if (event->event == ZMQ_EVENT_DISCONNECTED && !m_disconnected) {
      m_disconnected = true;
      m_report.line("disconnected");
      if (!m_options.stayOnDisconnect) m_exit = 2;
    }
  }
}

void Hostile::receive(std::vector<zmq::message_t>& frames) {
  v1::Envelope envelope;
  if (frames.empty() || !ipc::decodeEnvelope(frames[0], envelope)) {
    m_report.line("undecodable-from-node");
    return;
  }
  using Body = v1::Envelope::BodyCase;
  switch (envelope.body_case()) {
    case Body::kHandshakeAck: {
      const auto& ack = envelope.handshake_ack();
      m_handshaken = true;
      m_incarnation = ack.incarnation();
      if (ack.heartbeat_interval_ms() > 0) m_heartbeat = milliseconds(ack.heartbeat_interval_ms());
      ++m_replies;
      m_report.line("handshake-ack " + std::to_string(ack.incarnation()) + " " +
                    std::to_string(ack.channel_capacity()) + " " +
                    std::to_string(ack.heartbeat_interval_ms()));
      return;
    }
    case Body::kSubscribeAck: {
      std::string types;
      for (int t : envelope.subscribe_ack().types()) {
        types += (types.empty() ? "" : ",") + ipc::displayName(static_cast<v1::EventType>(t));
      }
      ++m_replies;
      m_report.line("subscribe-ack " + (types.empty() ? std::string("-") : types));
      return;
    }
    case Body::kError: {
      const auto& error = envelope.error();
      ++m_replies;
      m_report.line("error " + v1::ErrorCode_Name(error.code()) + " " +
                    std::to_string(error.correlation_id()) + " " + error.message());
      return;
    }
    case Body::kResponse: {
      const auto& response = envelope.response();
      std::string line = "response " + std::to_string(response.correlation_id());
      if (response.has_publish()) {
        line += " publish " + std::to_string(response.publish().subscribers()) + " " +
                std::to_string(response.publish().dropped());
      } else if (response.has_stats()) {
        line += " stats " + std::to_string(response.stats().routed()) + " " +
                std::to_string(response.stats().decode_errors()) + " " +
                std::to_string(response.stats().rejected());
      }
      ++m_replies;
      m_report.line(line);
      return;
    }
    case Body::kGoodbye:
      m_report.line("goodbye " + envelope.goodbye().reason());
      leave("unloaded");
      return;
    case Body::kEventBatch:
      receiveBatch(envelope.event_batch(), frames);
      return;
    default:
      m_report.line("other " + std::to_string(static_cast<int>(envelope.body_case())));
      return;
  }
}

void Hostile::receiveBatch(const v1::EventBatch& header, std::vector<zmq::message_t>& frames) {
  std::vector<zmq::message_t> bodies;
  for (std::size_t i = 1; i < frames.size(); ++i)
    bodies.push_back(std::move(frames[i]));
  auto batch = ipc::decodeEventBatch(header, std::move(bodies));
  if (!batch) {
    m_report.line("undecodable-batch " + batch.error().message);
    return;
  }
  const bool lifecycle = batch->lane == v1::LANE_LIFECYCLE;
  bool shutdown = false;
  for (std::size_t i = 0; i < batch->metas.size(); ++i) {
    v1::Event event;
    if (!event.ParseFromArray(batch->bodies[i].data(), static_cast<int>(batch->bodies[i].size()))) {
      m_report.line("undecodable-event " + std::to_string(batch->metas[i].seq()));
    }
    ++m_seen[event.type()];
    m_report.line(std::string("event ") + (lifecycle ? "L " : "E ") +
                  std::to_string(batch->metas[i].seq()) + " " +
                  std::to_string(batch->metas[i].dropped_before()) + " " +
                  ipc::displayName(event.type()) + " " + event.source() + " " + detailOf(event));
    if (!lifecycle) m_lastEventSeq = batch->metas[i].seq();
    if (event.type() == v1::EVENT_TYPE_NODE_SHUTDOWN) shutdown = true;
  }
  if (!lifecycle && !batch->metas.empty()) {
    v1::Envelope ack = stamped();
    ack.mutable_ack()->set_through_seq(m_lastEventSeq);
    send(ack);
  }
  if (shutdown) leave("node shutdown");
}

void Hostile::leave(const std::string& reason) {
  v1::Envelope goodbye = stamped();
  goodbye.mutable_goodbye()->set_reason(reason);
  send(goodbye);
  m_exit = 0;
}

}  // namespace plexus::hostile
