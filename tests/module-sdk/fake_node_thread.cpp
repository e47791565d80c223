#include "fake_node_thread.h"

#include "plexus/ipc/envelope_codec.h"

namespace plexus::sdk::test {

v1::HandshakeAck ackAt(std::uint32_t minor) {
  v1::HandshakeAck ack;
  ack.set_negotiated_minor(minor);
  ack.set_incarnation(1);
  ack.set_channel_capacity(100);
  ack.set_critical_capacity(10);
  ack.set_replay_capacity(4);
  ack.set_heartbeat_interval_ms(60000);
  return ack;
}

v1::Envelope response(std::uint64_t correlationId) {
  v1::Envelope envelope;
  ipc::stampVersion(envelope);
  envelope.mutable_response()->set_correlation_id(correlationId);
  return envelope;
}

FakeEvent newBlock(std::uint64_t seq, std::uint64_t height, std::uint32_t flags) {
  FakeEvent out;
  out.event.set_type(v1::EVENT_TYPE_NEW_BLOCK);
  out.event.mutable_new_block()->set_height(height);
  out.seq = seq;
  out.offset = height;
  out.flags = flags;
  return out;
}

FakeEvent lifecycle(v1::EventType type, std::uint64_t seq) {
  FakeEvent out;
  out.event.set_type(type);
  out.seq = seq;
  return out;
}

}  // namespace plexus::sdk::test
