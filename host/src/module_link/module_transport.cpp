#include "module_link/module_transport.h"

#include <zmq_addon.hpp>

#include "plexus/ipc/envelope_codec.h"

namespace plexus::host {

ZmqModuleTransport::ZmqModuleTransport(zmq::socket_t& router, ipc::BodyLayout layout)
    : m_router(router), m_encoder(layout) {}

SendStatus ZmqModuleTransport::sendFrames(const std::string& moduleId,
                                          std::vector<zmq::message_t>& frames) {
  if (m_onSend) m_onSend();
  try {
    // ROUTER_MANDATORY: an unknown peer is EHOSTUNREACH, a full pipe EAGAIN; the first frame
    // decides, later frames of the same message always go through.
    auto sent =
        m_router.send(zmq::buffer(moduleId), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    if (!sent) return SendStatus::WouldBlock;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      auto flags = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
      (void)m_router.send(frames[i], flags | zmq::send_flags::dontwait);
    }
    return SendStatus::Sent;
  } catch (const zmq::error_t& e) {
    if (e.num() == EHOSTUNREACH) return SendStatus::Unreachable;
    if (e.num() == EAGAIN) return SendStatus::WouldBlock;
    throw;
  }
}

SendStatus ZmqModuleTransport::sendEnvelope(const std::string& moduleId,
                                            const v1::Envelope& envelope) {
  m_frames.clear();
  m_frames.push_back(ipc::encodeEnvelope(envelope));
  return sendFrames(moduleId, m_frames);
}

SendStatus ZmqModuleTransport::sendEvents(const std::string& moduleId, v1::Lane lane,
                                          std::span<const ipc::OutgoingEvent> events) {
  m_frames.clear();
  m_encoder.encode(lane, events, m_frames);
  return sendFrames(moduleId, m_frames);
}

bool ZmqModuleTransport::receive(ReceivedMessage& out) {
  zmq::message_t first;
  if (!m_router.recv(first, zmq::recv_flags::dontwait)) return false;
  out.routingId = first.to_string();
  out.userId.clear();
  out.frames.clear();
  for (bool more = first.more(); more;) {
    zmq::message_t part;
    (void)m_router.recv(part);  // the rest of a message is always there at once
    more = part.more();
    out.frames.push_back(std::move(part));
  }
  if (!out.frames.empty()) {
    const char* userId = zmq_msg_gets(out.frames.front().handle(), "User-Id");
    if (userId != nullptr) out.userId = userId;
  }
  return true;
}

}  // namespace plexus::host
