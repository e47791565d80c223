#pragma once

// ModuleTransport: the host's end of the module wire. The real one owns the module ROUTER;
// tests and fuzzers use a fake. It is also the EventManager's sink for event batches.
// Thread rule: loop thread only (it owns the socket).

#include <plexus/v1/wire.pb.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "delivery/event_sink.h"
#include "plexus/ipc/event_batch_codec.h"

namespace plexus::host {

class ModuleTransport : public EventSink {
 public:
  virtual SendStatus sendEnvelope(const std::string& moduleId, const v1::Envelope& envelope) = 0;
};

// One message received on the module ROUTER.
struct ReceivedMessage {
  std::string routingId;
  std::string userId;                  // ZAP User-Id of the connection ("" if none)
  std::vector<zmq::message_t> frames;  // after the routing id
};

class ZmqModuleTransport final : public ModuleTransport {
 public:
  ZmqModuleTransport(zmq::socket_t& router, ipc::BodyLayout layout);

  SendStatus sendEnvelope(const std::string& moduleId, const v1::Envelope& envelope) override;
  SendStatus sendEvents(const std::string& moduleId, v1::Lane lane,
                        std::span<const ipc::OutgoingEvent> events) override;

  // Non-blocking; false when nothing is waiting.
  bool receive(ReceivedMessage& out);
  // Called after every send (the event loop must then re-check the socket's ZMQ_FD).
  void setOnSend(std::function<void()> onSend) { m_onSend = std::move(onSend); }

 private:
  SendStatus sendFrames(const std::string& moduleId, std::vector<zmq::message_t>& frames);

  zmq::socket_t& m_router;
  std::function<void()> m_onSend;
  ipc::EventBatchEncoder m_encoder;
  std::vector<zmq::message_t> m_frames;
};

}  // namespace plexus::host
