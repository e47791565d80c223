#include "seed_messages.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "fuzz_support.h"
#include "plexus/ipc/protocol.h"

namespace plexus::fuzz::seeds {

namespace fs = std::filesystem;

std::string bytesOf(const google::protobuf::MessageLite& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

void Writer::write(const std::string& target, const std::string& name, const std::string& bytes) {
  const fs::path dir = m_root / "corpus" / target;
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary | std::ios::trunc) << bytes;
  ++m_count;
}

void Writer::writeFrames(const std::string& target, const std::string& name,
                         const std::vector<std::string>& frames) {
  const bool clash = std::any_of(frames.begin(), frames.end(), [](const std::string& frame) {
    return frame.find(kFrameSeparator) != std::string::npos;
  });
  if (clash) throw std::runtime_error(target + "/" + name + ": a frame contains the separator");
  write(target, name, joinFrames(frames));
}

v1::Envelope stamped() {
  v1::Envelope envelope;
  envelope.set_protocol_major(ipc::kProtocolMajor);
  envelope.set_protocol_minor(ipc::kProtocolMinor);
  return envelope;
}

std::string handshake(const std::string& moduleId, const std::string& name) {
  v1::Envelope envelope = stamped();
  auto* h = envelope.mutable_handshake();
  h->set_module_id(moduleId);
  h->set_name(name.empty() ? moduleId + " module" : name);
  h->set_version("0.1.0");
  h->set_sdk_version("0.1.0");
  return bytesOf(envelope);
}

std::string subscribe(std::initializer_list<int> types, bool unsubscribe) {
  v1::Envelope envelope = stamped();
  auto* list = unsubscribe ? envelope.mutable_unsubscribe()->mutable_types()
                           : envelope.mutable_subscribe()->mutable_types();
  for (int type : types)
    list->Add(type);
  if (!unsubscribe) envelope.mutable_subscribe();
  return bytesOf(envelope);
}

v1::Event newBlock(std::uint64_t height) {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_NEW_BLOCK);
  event.mutable_new_block()->set_hash("00000000000000000007a1b2c3d4e5f6");
  event.mutable_new_block()->set_height(height);
  event.mutable_new_block()->set_time_unix_s(1700000000 + static_cast<std::int64_t>(height));
  return event;
}

v1::Event newTransaction(const std::string& txid) {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_NEW_TRANSACTION);
  event.mutable_new_transaction()->set_txid(txid);
  event.mutable_new_transaction()->set_size(250);
  event.mutable_new_transaction()->set_fee(1200);
  return event;
}

v1::Event chainReorg(std::uint64_t forkHeight) {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_CHAIN_REORG);
  event.mutable_chain_reorg()->set_old_tip("00000000000000000007a1b2c3d4e5f6");
  event.mutable_chain_reorg()->set_new_tip("00000000000000000009f8e7d6c5b4a3");
  event.mutable_chain_reorg()->set_fork_height(forkHeight);
  event.mutable_chain_reorg()->set_depth(1);
  return event;
}

v1::Event moduleLoaded(const std::string& moduleId, std::uint64_t incarnation) {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_MODULE_LOADED);
  event.set_source("host");
  event.mutable_module_loaded()->set_module_id(moduleId);
  event.mutable_module_loaded()->set_name(moduleId + " module");
  event.mutable_module_loaded()->set_version("0.1.0");
  event.mutable_module_loaded()->set_incarnation(incarnation);
  event.mutable_module_loaded()->set_pid(4242);
  return event;
}

v1::Event nodeShutdown() {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_NODE_SHUTDOWN);
  event.set_source("host");
  event.mutable_node_shutdown()->set_reason("signal SIGTERM");
  event.mutable_node_shutdown()->set_grace_ms(5000);
  return event;
}

std::string publish(std::uint64_t correlationId, const v1::Event& event) {
  v1::Envelope envelope = stamped();
  envelope.mutable_request()->set_correlation_id(correlationId);
  *envelope.mutable_request()->mutable_publish()->mutable_event() = event;
  return bytesOf(envelope);
}

std::string statsRequest(std::uint64_t correlationId) {
  v1::Envelope envelope = stamped();
  envelope.mutable_request()->set_correlation_id(correlationId);
  envelope.mutable_request()->mutable_stats();
  return bytesOf(envelope);
}

std::string ack(std::uint64_t throughSeq) {
  v1::Envelope envelope = stamped();
  envelope.mutable_ack()->set_through_seq(throughSeq);
  return bytesOf(envelope);
}

std::string heartbeat() {
  v1::Envelope envelope = stamped();
  envelope.mutable_heartbeat();
  return bytesOf(envelope);
}

std::string goodbye(const std::string& reason) {
  v1::Envelope envelope = stamped();
  envelope.mutable_goodbye()->set_reason(reason);
  return bytesOf(envelope);
}

std::string error(v1::ErrorCode code, const std::string& message, std::uint64_t correlationId) {
  v1::Envelope envelope = stamped();
  envelope.mutable_error()->set_code(code);
  envelope.mutable_error()->set_message(message);
  envelope.mutable_error()->set_correlation_id(correlationId);
  return bytesOf(envelope);
}

std::vector<std::string> batch(v1::Lane lane, bool packed, const std::vector<Body>& bodies) {
  v1::Envelope envelope = stamped();
  auto* header = envelope.mutable_event_batch();
  header->set_lane(lane);
  header->set_packed(packed);
  std::vector<std::string> frames(1);
  std::string joined;
  for (const Body& body : bodies) {
    auto* meta = header->add_events();
    meta->set_seq(body.seq);
    meta->set_dropped_before(body.droppedBefore);
    meta->set_size(static_cast<std::uint32_t>(body.bytes.size()));
    if (packed) {
      joined += body.bytes;
    } else {
      frames.push_back(body.bytes);
    }
  }
  frames[0] = bytesOf(envelope);
  if (packed) frames.push_back(joined);
  return frames;
}

}  // namespace plexus::fuzz::seeds
