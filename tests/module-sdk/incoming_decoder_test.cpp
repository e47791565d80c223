#include "incoming_decoder.h"

#include <gtest/gtest.h>

#include "pending_events.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/event_batch_codec.h"
#include "plexus/ipc/protocol.h"

namespace plexus::sdk::detail {
namespace {

std::vector<zmq::message_t> framesOf(const v1::Envelope& envelope) {
  std::vector<zmq::message_t> frames;
  frames.push_back(ipc::encodeEnvelope(envelope));
  return frames;
}

// `events` as the node sends them on the event lane (into `frames`, which the queued events
// point into), decoded and queued as run() does: false when they did not decode as a batch.
bool receive(const std::vector<ipc::OutgoingEvent>& events, std::vector<zmq::message_t>& frames,
             PendingEvents& pending) {
  ipc::EventBatchEncoder encoder;
  encoder.encode(v1::LANE_EVENT, events, frames);
  v1::Envelope scratch;
  auto decoded = decodeIncoming(frames, scratch, ipc::kProtocolMinor);
  if (decoded.incoming.kind != Incoming::Kind::Batch) return false;
  pending.push(std::move(decoded.incoming.batch));
  return true;
}

v1::Envelope stamped() {
  v1::Envelope envelope;
  ipc::stampVersion(envelope);
  return envelope;
}

TEST(IncomingDecoderTest, EventBatchGoesToTheRunLoop) {
  auto body = ipc::SharedBytes::copyOf("event-bytes");
  std::vector<ipc::OutgoingEvent> events{{7, 2, &body}};
  ipc::EventBatchEncoder encoder;
  std::vector<zmq::message_t> frames;
  encoder.encode(v1::LANE_EVENT, events, frames);
  v1::Envelope scratch;
  auto decoded = decodeIncoming(frames, scratch, ipc::kProtocolMinor);
  ASSERT_EQ(decoded.kind, DecodedMessage::Kind::ForRunLoop);
  ASSERT_EQ(decoded.incoming.kind, Incoming::Kind::Batch);
  ASSERT_EQ(decoded.incoming.batch.bodies.size(), 1u);
  EXPECT_EQ(decoded.incoming.batch.bodies[0], "event-bytes");
  EXPECT_EQ(decoded.incoming.batch.metas[0].seq(), 7u);
  EXPECT_EQ(decoded.incoming.batch.metas[0].dropped_before(), 2u);
}

// Wire 1.4: the journal offset the node sent reaches the handler's Delivery::offset(); an event
// sent without one (not journaled, or a node below 1.4) has offset 0.
TEST(IncomingDecoderTest, TheJournalOffsetReachesTheDelivery) {
  auto journaled = ipc::SharedBytes::copyOf("journaled");
  auto plain = ipc::SharedBytes::copyOf("plain");
  std::vector<zmq::message_t> frames;
  PendingEvents pending;
  ASSERT_TRUE(receive({{7, 0, &journaled, 42}, {8, 0, &plain}}, frames, pending));
  v1::Event event;
  ASSERT_EQ(pending.size(), 2u);
  const Delivery first = pending.front().delivery(event);
  EXPECT_EQ(first.sequence(), 7u);
  EXPECT_EQ(first.offset(), 42u);
  EXPECT_EQ(first.flags(), 0u);
  EXPECT_FALSE(first.isCritical());
  pending.pop();
  const Delivery second = pending.front().delivery(event);
  EXPECT_EQ(second.sequence(), 8u);
  EXPECT_EQ(second.offset(), 0u);
}

// A durable module's catch-up: the flags the node sent reach Delivery::flags(), isReplayed() and
// isRedelivered(); a live event has none.
TEST(IncomingDecoderTest, TheReplayedAndRedeliveredFlagsReachTheDelivery) {
  auto body = ipc::SharedBytes::copyOf("e");
  std::vector<zmq::message_t> frames;
  PendingEvents pending;
  ASSERT_TRUE(receive({{1, 0, &body, 5, v1::EVENT_FLAG_REPLAYED | v1::EVENT_FLAG_REDELIVERED},
                       {2, 0, &body, 6, v1::EVENT_FLAG_REPLAYED},
                       {3, 0, &body, 7, 0}},
                      frames, pending));
  v1::Event event;
  const std::vector<std::pair<bool, bool>> expected{{true, true}, {true, false}, {false, false}};
  for (const auto& [replayed, redelivered] : expected) {
    ASSERT_FALSE(pending.empty());
    const Delivery delivery = pending.front().delivery(event);
    EXPECT_EQ(delivery.isReplayed(), replayed) << delivery.sequence();
    EXPECT_EQ(delivery.isRedelivered(), redelivered) << delivery.sequence();
    pending.pop();
  }
}

// Wire 1.5: a LANE_REPLAY batch decodes onto the replay lane, its meta intact; the delivery says
// isReplay(). Below 1.5 the node may not send one: malformed, like a batch on an unknown lane.
TEST(IncomingDecoderTest, AReplayLaneBatchDecodesAt15AndIsMalformedBelow) {
  auto body = ipc::SharedBytes::copyOf("replayed");
  const std::vector<ipc::OutgoingEvent> events{{1, 3, &body, 40, v1::EVENT_FLAG_REPLAYED}};
  ipc::EventBatchEncoder encoder;
  std::vector<zmq::message_t> frames;
  encoder.encode(v1::LANE_REPLAY, events, frames);
  v1::Envelope scratch;
  auto decoded = decodeIncoming(frames, scratch, ipc::kMinorReplay);
  ASSERT_EQ(decoded.kind, DecodedMessage::Kind::ForRunLoop) << decoded.problem;
  ASSERT_EQ(decoded.incoming.kind, Incoming::Kind::Batch);
  EXPECT_EQ(decoded.incoming.batch.lane, v1::LANE_REPLAY);
  PendingEvents pending;
  pending.push(std::move(decoded.incoming.batch));
  v1::Event event;
  const Delivery delivery = pending.front().delivery(event);
  EXPECT_TRUE(delivery.isReplay());
  EXPECT_TRUE(delivery.isReplayed());
  EXPECT_FALSE(delivery.isCritical());
  EXPECT_EQ(delivery.sequence(), 1u);
  EXPECT_EQ(delivery.droppedBefore(), 3u);
  EXPECT_EQ(delivery.offset(), 40u);

  for (std::uint32_t minor : {0u, ipc::kMinorOffsets}) {
    frames.clear();
    encoder.encode(v1::LANE_REPLAY, events, frames);
    decoded = decodeIncoming(frames, scratch, minor);
    EXPECT_EQ(decoded.kind, DecodedMessage::Kind::Malformed) << minor;
    EXPECT_NE(decoded.problem.find("LANE_REPLAY"), std::string::npos) << decoded.problem;
    frames.clear();
    encoder.encode(v1::LANE_EVENT, events, frames);  // the other lanes are unchanged
    EXPECT_EQ(decodeIncoming(frames, scratch, minor).incoming.kind, Incoming::Kind::Batch);
  }
}

TEST(IncomingDecoderTest, AReplayEndGoesToTheRunLoopAt15AndIsMalformedBelow) {
  auto envelope = stamped();
  auto* end = envelope.mutable_replay_end();
  end->set_replay_id(2);
  end->set_from_offset(10);
  end->set_through_offset(20);
  end->set_events(9);
  end->set_journal_holes(1);
  end->set_trimmed(1);
  end->set_journal_first_offset(5);
  v1::Envelope scratch;
  auto frames = framesOf(envelope);
  auto decoded = decodeIncoming(frames, scratch, ipc::kMinorReplay);
  ASSERT_EQ(decoded.kind, DecodedMessage::Kind::ForRunLoop);
  ASSERT_EQ(decoded.incoming.kind, Incoming::Kind::ReplayEnd);
  ASSERT_TRUE(decoded.incoming.replayEnd.has_value());
  EXPECT_EQ(decoded.incoming.replayEnd->replay_id(), 2u);
  EXPECT_EQ(decoded.incoming.replayEnd->through_offset(), 20u);
  EXPECT_EQ(decoded.incoming.replayEnd->journal_first_offset(), 5u);
  frames = framesOf(envelope);
  decoded = decodeIncoming(frames, scratch, ipc::kMinorReplay - 1);
  EXPECT_EQ(decoded.kind, DecodedMessage::Kind::Malformed);
  EXPECT_NE(decoded.problem.find("ReplayEnd"), std::string::npos) << decoded.problem;
}

TEST(IncomingDecoderTest, ResponsesAndCorrelatedErrorsCompleteRequests) {
  v1::Envelope scratch;
  auto response = stamped();
  response.mutable_response()->set_correlation_id(5);
  response.mutable_response()->mutable_publish()->set_subscribers(3);
  auto frames = framesOf(response);
  auto decoded = decodeIncoming(frames, scratch, ipc::kProtocolMinor);
  ASSERT_EQ(decoded.kind, DecodedMessage::Kind::Reply);
  EXPECT_EQ(decoded.correlationId, 5u);
  ASSERT_TRUE(decoded.reply.ok());
  EXPECT_EQ(decoded.reply->publish().subscribers(), 3u);

  auto error = ipc::errorEnvelope(v1::ERROR_CODE_TIMEOUT, "slow", 6);
  frames = framesOf(error);
  decoded = decodeIncoming(frames, scratch, ipc::kProtocolMinor);
  ASSERT_EQ(decoded.kind, DecodedMessage::Kind::Reply);
  EXPECT_EQ(decoded.correlationId, 6u);
  ASSERT_FALSE(decoded.reply.ok());
  EXPECT_EQ(decoded.reply.error().code, v1::ERROR_CODE_TIMEOUT);
}

TEST(IncomingDecoderTest, UncorrelatedErrorsAcksAndGoodbyeGoToTheRunLoop) {
  v1::Envelope scratch;
  auto frames = framesOf(ipc::errorEnvelope(v1::ERROR_CODE_PERMISSION_DENIED, "no"));
  auto decoded = decodeIncoming(frames, scratch, ipc::kProtocolMinor);
  EXPECT_EQ(decoded.incoming.kind, Incoming::Kind::HostError);
  EXPECT_EQ(decoded.incoming.message, "no");
  auto ack = stamped();
  ack.mutable_subscribe_ack();
  frames = framesOf(ack);
  EXPECT_EQ(decodeIncoming(frames, scratch, ipc::kProtocolMinor).incoming.kind,
            Incoming::Kind::SubscribeAck);
  auto goodbye = stamped();
  goodbye.mutable_goodbye()->set_reason("unloaded");
  frames = framesOf(goodbye);
  decoded = decodeIncoming(frames, scratch, ipc::kProtocolMinor);
  EXPECT_EQ(decoded.incoming.kind, Incoming::Kind::HostGoodbye);
  EXPECT_EQ(decoded.incoming.message, "unloaded");
}

TEST(IncomingDecoderTest, MalformedMessagesAreReportedNotThrown) {
  v1::Envelope scratch;
  std::vector<zmq::message_t> none;
  EXPECT_EQ(decodeIncoming(none, scratch, ipc::kProtocolMinor).kind,
            DecodedMessage::Kind::Malformed);
  std::vector<zmq::message_t> garbage;
  garbage.emplace_back(std::string("\xff\xff\xff\xff\x0f", 5));
  EXPECT_EQ(decodeIncoming(garbage, scratch, ipc::kProtocolMinor).kind,
            DecodedMessage::Kind::Malformed);
  auto batch = stamped();  // a batch header announcing a body that is not there
  batch.mutable_event_batch()->set_lane(v1::LANE_EVENT);
  batch.mutable_event_batch()->set_packed(true);
  batch.mutable_event_batch()->add_events()->set_size(10);
  auto frames = framesOf(batch);
  auto decoded = decodeIncoming(frames, scratch, ipc::kProtocolMinor);
  EXPECT_EQ(decoded.kind, DecodedMessage::Kind::Malformed);
  EXPECT_NE(decoded.problem.find("event batch"), std::string::npos);
  auto ack = stamped();
  ack.mutable_handshake_ack();
  frames = framesOf(ack);
  EXPECT_EQ(decodeIncoming(frames, scratch, ipc::kProtocolMinor).kind,
            DecodedMessage::Kind::Ignored);
}

}  // namespace
}  // namespace plexus::sdk::detail
