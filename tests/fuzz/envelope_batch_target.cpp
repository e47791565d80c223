// envelope_batch_fuzz: the first frame is decoded as an Envelope; when it is an event batch, the
// other frames are its bodies. A batch the decoder accepts must come back unchanged (lane, seqs,
// dropped_before, bodies) after EventBatchEncoder re-encodes it, in either body layout: the
// node encodes, the SDK decodes, and both layouts must mean the same.

#include <string>
#include <vector>

#include "fuzz_support.h"
#include "fuzz_targets.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/event_batch_codec.h"

namespace plexus::fuzz {

namespace {

std::vector<zmq::message_t> toMessages(const std::vector<std::string_view>& frames,
                                       std::size_t first) {
  std::vector<zmq::message_t> out;
  out.reserve(frames.size() - first);
  for (std::size_t i = first; i < frames.size(); ++i) {
    out.emplace_back(frames[i].data(), frames[i].size());
  }
  return out;
}

void checkRoundTrip(const ipc::ReceivedBatch& batch, ipc::BodyLayout layout) {
  std::vector<ipc::SharedBytes> bodies;
  bodies.reserve(batch.bodies.size());  // OutgoingEvent points into it: no reallocation
  std::vector<ipc::OutgoingEvent> events;
  for (std::size_t i = 0; i < batch.bodies.size(); ++i) {
    bodies.push_back(ipc::SharedBytes::copyOf(batch.bodies[i]));
    events.push_back({batch.metas[i].seq(), batch.metas[i].dropped_before(), &bodies.back()});
  }
  ipc::EventBatchEncoder encoder(layout);
  std::vector<zmq::message_t> frames;
  encoder.encode(batch.lane, events, frames);
  PLEXUS_FUZZ_CHECK(!frames.empty(), "the encoder produced no frame");

  v1::Envelope envelope;
  auto status = ipc::decodeEnvelope(frames[0], envelope);
  PLEXUS_FUZZ_CHECK(status.ok(), "re-encoded batch envelope does not decode");
  PLEXUS_FUZZ_CHECK(envelope.has_event_batch(), "re-encoded envelope is not an event batch");
  PLEXUS_FUZZ_CHECK(envelope.event_batch().packed() == (layout == ipc::BodyLayout::Packed),
                    "re-encoded batch names the wrong layout");
  std::vector<zmq::message_t> bodyFrames;
  for (std::size_t i = 1; i < frames.size(); ++i)
    bodyFrames.push_back(std::move(frames[i]));
  auto again = ipc::decodeEventBatch(envelope.event_batch(), std::move(bodyFrames));
  PLEXUS_FUZZ_CHECK(again.ok(), "re-encoded batch does not decode: " +
                                    (again.ok() ? std::string() : again.error().message));
  PLEXUS_FUZZ_CHECK(again->lane == batch.lane, "lane changed in the round trip");
  PLEXUS_FUZZ_CHECK(
      again->metas.size() == batch.metas.size() && again->bodies.size() == batch.bodies.size(),
      "event count changed in the round trip");
  for (std::size_t i = 0; i < batch.bodies.size(); ++i) {
    const std::string at = " of event " + std::to_string(i);
    PLEXUS_FUZZ_CHECK(again->metas[i].seq() == batch.metas[i].seq(), "seq changed" + at);
    PLEXUS_FUZZ_CHECK(again->metas[i].dropped_before() == batch.metas[i].dropped_before(),
                      "dropped_before changed" + at);
    PLEXUS_FUZZ_CHECK(again->bodies[i] == batch.bodies[i], "body changed" + at);
    PLEXUS_FUZZ_CHECK(again->metas[i].size() == batch.bodies[i].size(), "size is wrong" + at);
  }
}

}  // namespace

int envelopeBatch(const std::uint8_t* data, std::size_t size) {
  quietLogging();
  const std::vector<std::string_view> frames = splitFrames(data, size);
  v1::Envelope envelope;
  if (!ipc::decodeEnvelope(frames[0].data(), frames[0].size(), envelope)) return 0;
  PLEXUS_FUZZ_CHECK(envelope.body_case() != v1::Envelope::BODY_NOT_SET,
                    "decodeEnvelope accepted an envelope without a body");

  // Whatever decoded must encode and decode again to the same kind of message.
  v1::Envelope reparsed;
  zmq::message_t reencoded = ipc::encodeEnvelope(envelope);
  PLEXUS_FUZZ_CHECK(
      ipc::decodeEnvelope(reencoded, reparsed).ok() && reparsed.body_case() == envelope.body_case(),
      "a decoded envelope does not survive re-encoding");

  if (!envelope.has_event_batch()) return 0;
  auto batch = ipc::decodeEventBatch(envelope.event_batch(), toMessages(frames, 1));
  if (!batch) return 0;
  const auto& header = envelope.event_batch();
  PLEXUS_FUZZ_CHECK(batch->lane == v1::LANE_EVENT || batch->lane == v1::LANE_LIFECYCLE ||
                        batch->lane == v1::LANE_CRITICAL || batch->lane == v1::LANE_REPLAY,
                    "accepted a batch on an unknown lane");
  PLEXUS_FUZZ_CHECK(!batch->metas.empty(), "accepted an empty batch");
  PLEXUS_FUZZ_CHECK(batch->metas.size() == static_cast<std::size_t>(header.events_size()) &&
                        batch->bodies.size() == batch->metas.size(),
                    "one body per announced event");
  std::size_t total = 0;
  for (std::size_t i = 0; i < batch->bodies.size(); ++i) {
    total += batch->bodies[i].size();
    if (header.packed()) {
      PLEXUS_FUZZ_CHECK(batch->bodies[i].size() == batch->metas[i].size(),
                        "packed body " + std::to_string(i) + " ignores its size");
    }
  }
  if (header.packed()) {
    PLEXUS_FUZZ_CHECK(total == frames[1].size(), "packed bodies do not cover the body frame");
  }
  checkRoundTrip(*batch, ipc::BodyLayout::Packed);
  checkRoundTrip(*batch, ipc::BodyLayout::SharedFrames);
  return 0;
}

}  // namespace plexus::fuzz
