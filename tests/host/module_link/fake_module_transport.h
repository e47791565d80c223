#pragma once

// FakeTransport: a ModuleTransport for unit tests of the module link. It records what the
// ModuleServer and the EventManager send (envelopes kept encoded, as they would travel, and
// decoded on inspection) and hands out the messages a test queued with arrive().
// Thread rule: the test's thread.

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "module_link/module_transport.h"
#include "plexus/ipc/envelope_codec.h"

namespace plexus::host::module_link_test {

struct SentEvent {
  std::string moduleId;
  v1::Lane lane;
  std::uint64_t seq;
  std::string body;
  std::uint64_t offset;  // as handed to the encoder, which leaves 0 off the wire
};

// Records what the server and the EventManager send; envelopes are kept encoded, as they
// would travel, and decoded on inspection.
class FakeTransport : public ModuleTransport {
 public:
  // What receive() hands out, in order (ModuleReader tests).
  void arrive(std::string routingId, std::string userId, const std::vector<std::string>& frames) {
    ReceivedMessage message;
    message.routingId = std::move(routingId);
    message.userId = std::move(userId);
    for (const auto& frame : frames)
      message.frames.emplace_back(frame.data(), frame.size());
    m_incoming.push_back(std::move(message));
  }
  bool receive(ReceivedMessage& out) override {
    ++receiveCalls;
    if (m_incoming.empty()) return false;
    out = std::move(m_incoming.front());
    m_incoming.pop_front();
    return true;
  }
  std::size_t waiting() const { return m_incoming.size(); }
  std::size_t receiveCalls = 0;

  SendStatus sendEnvelope(const std::string& moduleId, const v1::Envelope& envelope) override {
    zmq::message_t frame = ipc::encodeEnvelope(envelope);
    m_envelopes.emplace_back(moduleId, std::string(frame.data<char>(), frame.size()));
    return envelopeStatus;
  }
  SendStatus sendEvents(const std::string& moduleId, v1::Lane lane,
                        std::span<const ipc::OutgoingEvent> events) override {
    for (const auto& e : events) {
      m_events.push_back({moduleId, lane, e.seq, std::string(e.body->view()), e.offset});
    }
    return SendStatus::Sent;
  }

  std::vector<v1::Envelope> envelopesTo(const std::string& moduleId) const {
    std::vector<v1::Envelope> out;
    for (const auto& [id, bytes] : m_envelopes) {
      if (id != moduleId) continue;
      v1::Envelope envelope;
      auto status = ipc::decodeEnvelope(bytes.data(), bytes.size(), envelope);
      EXPECT_TRUE(status.ok()) << "the server sent an undecodable envelope";
      out.push_back(envelope);
    }
    return out;
  }
  std::size_t envelopeCount() const { return m_envelopes.size(); }
  // Event-lane events delivered to `moduleId`, parsed.
  std::vector<v1::Event> eventsTo(const std::string& moduleId, v1::Lane lane) const {
    std::vector<v1::Event> out;
    for (const auto& sent : m_events) {
      if (sent.moduleId != moduleId || sent.lane != lane) continue;
      v1::Event event;
      EXPECT_TRUE(event.ParseFromString(sent.body));
      out.push_back(event);
    }
    return out;
  }

  // The journal offsets of the events sent to `moduleId` on `lane`, in order.
  std::vector<std::uint64_t> offsetsTo(const std::string& moduleId, v1::Lane lane) const {
    std::vector<std::uint64_t> out;
    for (const auto& sent : m_events) {
      if (sent.moduleId == moduleId && sent.lane == lane) out.push_back(sent.offset);
    }
    return out;
  }

  SendStatus envelopeStatus = SendStatus::Sent;

 private:
  std::vector<std::pair<std::string, std::string>> m_envelopes;
  std::vector<SentEvent> m_events;
  std::deque<ReceivedMessage> m_incoming;
};

}  // namespace plexus::host::module_link_test
