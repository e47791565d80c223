#include "plexus/ipc/event_batch_codec.h"

#include <cstring>

#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/frame_pool.h"

namespace plexus::ipc {

namespace {

// Frees the SharedBytes reference a zero-copy frame holds; may run on a ZeroMQ I/O thread.
void releaseSharedBody(void* /*data*/, void* hint) {
  delete static_cast<SharedBytes*>(hint);
}

}  // namespace

void EventBatchEncoder::encode(v1::Lane lane, std::span<const OutgoingEvent> events,
                               std::vector<zmq::message_t>& frames) {
  PLEXUS_ASSERT_THREAD(m_thread);
  const bool packed = m_layout == BodyLayout::Packed;
  stampVersion(m_scratch);
  auto* batch = m_scratch.mutable_event_batch();
  batch->set_lane(lane);
  batch->set_packed(packed);
  auto* metas = batch->mutable_events();
  metas->Clear();  // keeps the allocated elements for the next batch
  std::size_t total = 0;
  for (const OutgoingEvent& event : events) {
    v1::EventMeta* meta = metas->Add();
    meta->set_seq(event.seq);
    meta->set_dropped_before(event.droppedBefore);
    meta->set_size(static_cast<std::uint32_t>(event.body->size()));
    meta->set_offset(event.offset);  // proto3: 0 is not serialized
    meta->set_flags(event.flags);
    total += event.body->size();
  }
  frames.push_back(encodeEnvelope(m_scratch));

  if (packed) {
    zmq::message_t body = FramePool::instance().frame(total);
    auto* out = static_cast<char*>(body.data());
    for (const OutgoingEvent& event : events) {
      std::memcpy(out, event.body->data(), event.body->size());
      out += event.body->size();
    }
    frames.push_back(std::move(body));
    return;
  }
  for (const OutgoingEvent& event : events) {
    auto* ref = new SharedBytes(*event.body);
    frames.emplace_back(const_cast<char*>(ref->data()), ref->size(), &releaseSharedBody, ref);
  }
}

Result<ReceivedBatch> decodeEventBatch(const v1::EventBatch& header,
                                       std::vector<zmq::message_t>&& bodyFrames) {
  ReceivedBatch out;
  out.lane = header.lane();
  if (out.lane != v1::LANE_EVENT && out.lane != v1::LANE_LIFECYCLE &&
      out.lane != v1::LANE_CRITICAL && out.lane != v1::LANE_REPLAY) {
    return makeError(v1::ERROR_CODE_MALFORMED, "event batch names no known lane");
  }
  const int count = header.events_size();
  if (count == 0) return makeError(v1::ERROR_CODE_MALFORMED, "event batch is empty");
  out.metas.assign(header.events().begin(), header.events().end());
  out.frames = std::move(bodyFrames);
  out.bodies.reserve(static_cast<std::size_t>(count));

  if (header.packed()) {
    if (out.frames.size() != 1) {
      return makeError(v1::ERROR_CODE_MALFORMED, "packed event batch needs 1 body frame, got " +
                                                     std::to_string(out.frames.size()));
    }
    const auto* data = static_cast<const char*>(out.frames[0].data());
    const std::size_t size = out.frames[0].size();
    std::size_t offset = 0;
    for (const v1::EventMeta& meta : out.metas) {
      if (meta.size() > size - offset) {
        return makeError(v1::ERROR_CODE_MALFORMED, "packed event sizes exceed the body frame");
      }
      out.bodies.emplace_back(data + offset, meta.size());
      offset += meta.size();
    }
    if (offset != size) {
      return makeError(v1::ERROR_CODE_MALFORMED, "packed body frame has trailing bytes");
    }
    return out;
  }

  if (out.frames.size() != static_cast<std::size_t>(count)) {
    return makeError(v1::ERROR_CODE_MALFORMED, "event batch announces " + std::to_string(count) +
                                                   " bodies, got " +
                                                   std::to_string(out.frames.size()));
  }
  for (const zmq::message_t& frame : out.frames) {
    out.bodies.emplace_back(static_cast<const char*>(frame.data()), frame.size());
  }
  return out;
}

}  // namespace plexus::ipc
