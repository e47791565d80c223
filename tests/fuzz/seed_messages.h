#pragma once

// The building blocks of plexus-fuzz-make-seeds: deterministic protocol messages (the bytes the
// node and the SDK would send) and the writer of corpus files.

#include <google/protobuf/message_lite.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include "plexus/v1/events.pb.h"
#include "plexus/v1/wire.pb.h"

namespace plexus::fuzz::seeds {

// Deterministic serialization: re-running the generator rewrites the same bytes.
std::string bytesOf(const google::protobuf::MessageLite& message);

// Writes corpus/<target>/<name> under a root directory.
class Writer {
 public:
  explicit Writer(std::filesystem::path root) : m_root(std::move(root)) {}

  void write(const std::string& target, const std::string& name, const std::string& bytes);
  // Frames joined by the separator; no frame may contain it.
  void writeFrames(const std::string& target, const std::string& name,
                   const std::vector<std::string>& frames);
  int count() const { return m_count; }

 private:
  std::filesystem::path m_root;
  int m_count = 0;
};

// Envelopes from a module, serialized.
std::string handshake(const std::string& moduleId, const std::string& name = "");
std::string subscribe(std::initializer_list<int> types, bool unsubscribe = false);
std::string publish(std::uint64_t correlationId, const v1::Event& event);
std::string statsRequest(std::uint64_t correlationId);
std::string ack(std::uint64_t throughSeq);
std::string heartbeat();
std::string goodbye(const std::string& reason);
// From the node.
std::string error(v1::ErrorCode code, const std::string& message, std::uint64_t correlationId);
v1::Envelope stamped();

// Events.
v1::Event newBlock(std::uint64_t height);
v1::Event newTransaction(const std::string& txid);
v1::Event chainReorg(std::uint64_t forkHeight);  // critical by default
v1::Event moduleLoaded(const std::string& moduleId, std::uint64_t incarnation);
v1::Event nodeShutdown();

struct Body {
  std::uint64_t seq;
  std::uint64_t droppedBefore;
  std::string bytes;
};

// [Envelope{event_batch}] + bodies, packed into one frame or one frame each.
std::vector<std::string> batch(v1::Lane lane, bool packed, const std::vector<Body>& bodies);

}  // namespace plexus::fuzz::seeds
