#include "plexus/ipc/event_batch_codec.h"

#include <gtest/gtest.h>

#include "plexus/ipc/envelope_codec.h"

namespace plexus::ipc {
namespace {

struct Fixture {
  std::vector<SharedBytes> bodies;
  std::vector<OutgoingEvent> events;
  explicit Fixture(const std::vector<std::string>& payloads) {
    for (auto& p : payloads)
      bodies.push_back(SharedBytes::copyOf(p));
    std::uint64_t seq = 10;
    for (auto& b : bodies)
      events.push_back({seq++, 1, &b});
  }
};

Result<ReceivedBatch> roundTrip(BodyLayout layout, const Fixture& fixture) {
  EventBatchEncoder encoder(layout);
  std::vector<zmq::message_t> frames;
  encoder.encode(v1::LANE_EVENT, fixture.events, frames);
  v1::Envelope envelope;
  EXPECT_TRUE(decodeEnvelope(frames[0], envelope).ok());
  EXPECT_TRUE(envelope.has_event_batch());
  std::vector<zmq::message_t> rest;
  for (std::size_t i = 1; i < frames.size(); ++i)
    rest.push_back(std::move(frames[i]));
  return decodeEventBatch(envelope.event_batch(), std::move(rest));
}

class BatchLayoutTest : public ::testing::TestWithParam<BodyLayout> {};

TEST_P(BatchLayoutTest, RoundTripKeepsBodiesSeqsAndGaps) {
  Fixture fixture({"alpha", "", "gamma-gamma", std::string(5000, 'z')});
  auto batch = roundTrip(GetParam(), fixture);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  ASSERT_EQ(batch->bodies.size(), 4u);
  EXPECT_EQ(batch->lane, v1::LANE_EVENT);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(batch->bodies[i], fixture.bodies[i].view());
    EXPECT_EQ(batch->metas[i].seq(), 10 + i);
    EXPECT_EQ(batch->metas[i].dropped_before(), 1u);
  }
}

TEST_P(BatchLayoutTest, EncoderIsReusableAcrossBatches) {
  EventBatchEncoder encoder(GetParam());
  Fixture big({"a", "b", "c"}), small({"d"});
  std::vector<zmq::message_t> frames;
  encoder.encode(v1::LANE_EVENT, big.events, frames);
  frames.clear();
  encoder.encode(v1::LANE_LIFECYCLE, small.events, frames);
  v1::Envelope envelope;
  ASSERT_TRUE(decodeEnvelope(frames[0], envelope).ok());
  EXPECT_EQ(envelope.event_batch().events_size(), 1) << "no stale metas from the previous batch";
  EXPECT_EQ(envelope.event_batch().lane(), v1::LANE_LIFECYCLE);
}

// Journal offsets (1.4): a non-zero offset travels in its EventMeta; 0 (not journaled, or a
// peer below 1.4: the host hands the encoder 0 then) is no field on the wire at all, so an
// older peer's EventMeta is byte for byte what it was before 1.4, and no offset is left over
// from an earlier batch of the same encoder.
TEST_P(BatchLayoutTest, AnOffsetTravelsOnlyWhenNonZero) {
  Fixture fixture({"journaled", "not", "journaled too"});
  fixture.events[0].offset = 42;
  fixture.events[2].offset = 1ull << 40;
  auto batch = roundTrip(GetParam(), fixture);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  ASSERT_EQ(batch->metas.size(), 3u);
  EXPECT_EQ(batch->metas[0].offset(), 42u);
  EXPECT_EQ(batch->metas[1].offset(), 0u);
  EXPECT_EQ(batch->metas[2].offset(), 1ull << 40);
  EXPECT_EQ(batch->metas[0].flags(), 0u) << "nothing sets flags yet";

  EventBatchEncoder encoder(GetParam());
  std::vector<zmq::message_t> frames;
  encoder.encode(v1::LANE_EVENT, fixture.events, frames);  // leaves offsets in its scratch
  frames.clear();
  fixture.events[0].offset = 0;
  encoder.encode(v1::LANE_EVENT, std::span(fixture.events).first(1), frames);
  v1::Envelope envelope;
  ASSERT_TRUE(decodeEnvelope(frames[0], envelope).ok());
  ASSERT_EQ(envelope.event_batch().events_size(), 1);
  v1::EventMeta before14;  // what a 1.3 node sent for the same event
  before14.set_seq(10);
  before14.set_dropped_before(1);
  before14.set_size(9);
  EXPECT_EQ(envelope.event_batch().events(0).SerializeAsString(), before14.SerializeAsString());
}

INSTANTIATE_TEST_SUITE_P(Layouts, BatchLayoutTest,
                         ::testing::Values(BodyLayout::Packed, BodyLayout::SharedFrames));

TEST(EventBatchDecodeTest, RejectsInconsistentBatches) {
  v1::EventBatch header;
  header.set_lane(v1::LANE_EVENT);
  header.set_packed(true);
  auto* meta = header.add_events();
  meta->set_seq(1);
  meta->set_size(10);
  {
    std::vector<zmq::message_t> frames;
    frames.emplace_back(std::string(4, 'x'));
    auto r = decodeEventBatch(header, std::move(frames));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, v1::ERROR_CODE_MALFORMED);
  }
  {
    std::vector<zmq::message_t> frames;
    frames.emplace_back(std::string(12, 'x'));
    EXPECT_FALSE(decodeEventBatch(header, std::move(frames)).ok()) << "trailing bytes";
  }
  {
    std::vector<zmq::message_t> frames;
    EXPECT_FALSE(decodeEventBatch(header, std::move(frames)).ok()) << "no body frame";
  }
  header.set_packed(false);
  {
    std::vector<zmq::message_t> frames;
    frames.emplace_back(std::string(1, 'x'));
    frames.emplace_back(std::string(1, 'y'));
    EXPECT_FALSE(decodeEventBatch(header, std::move(frames)).ok()) << "frame count";
  }
  header.set_lane(v1::LANE_UNSPECIFIED);
  {
    std::vector<zmq::message_t> frames;
    frames.emplace_back(std::string(1, 'x'));
    EXPECT_FALSE(decodeEventBatch(header, std::move(frames)).ok()) << "lane";
  }
  v1::EventBatch empty;
  empty.set_lane(v1::LANE_EVENT);
  EXPECT_FALSE(decodeEventBatch(empty, {}).ok());
}

}  // namespace
}  // namespace plexus::ipc
