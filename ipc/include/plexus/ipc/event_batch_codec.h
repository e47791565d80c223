#pragma once

// Event delivery frames: [Envelope{event_batch}] then the bodies, either packed into one frame
// (EventMeta.size splits it) or one frame per body, shared without copying. Each body is an
// Event serialized once per publish (SharedBytes) and shared by every subscriber.

#include <plexus/v1/wire.pb.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "plexus/ipc/result.h"
#include "plexus/ipc/shared_bytes.h"
#include "plexus/ipc/thread_checker.h"

namespace plexus::ipc {

enum class BodyLayout { Packed, SharedFrames };

struct OutgoingEvent {
  std::uint64_t seq = 0;
  std::uint64_t droppedBefore = 0;
  const SharedBytes* body = nullptr;
  // The journal offset (since 1.4); 0 = not journaled, and written as no field. The sender
  // leaves it 0 for a peer below ipc::kMinorOffsets (the host: BatchFlusher).
  std::uint64_t offset = 0;
  // v1::EventFlag bits (since 1.4, as the offset): replayed, redelivered. 0 = written as none.
  std::uint32_t flags = 0;
};

// Thread rule: one encoder per sending thread (it reuses a scratch Envelope between batches);
// encode() asserts it.
class EventBatchEncoder {
 public:
  explicit EventBatchEncoder(BodyLayout layout = BodyLayout::Packed) : m_layout(layout) {}

  // Appends the envelope frame and the body frame(s) of one batch to `frames`. An event's
  // EventMeta.offset is on the wire only when it is non-zero.
  void encode(v1::Lane lane, std::span<const OutgoingEvent> events,
              std::vector<zmq::message_t>& frames);

  BodyLayout layout() const { return m_layout; }

 private:
  BodyLayout m_layout;
  v1::Envelope m_scratch;
  ThreadChecker m_thread;
};

// A received batch: owns its frames; bodies[i] views the bytes of event i.
struct ReceivedBatch {
  v1::Lane lane = v1::LANE_UNSPECIFIED;
  std::vector<v1::EventMeta> metas;
  std::vector<std::string_view> bodies;
  std::vector<zmq::message_t> frames;
};

// Checks the frame count and sizes against the batch header and splits the bodies.
// `bodyFrames` are the frames after the envelope.
Result<ReceivedBatch> decodeEventBatch(const v1::EventBatch& header,
                                       std::vector<zmq::message_t>&& bodyFrames);

}  // namespace plexus::ipc
