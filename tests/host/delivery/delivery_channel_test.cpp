#include "delivery/delivery_channel.h"

#include <gtest/gtest.h>

namespace plexus::host {
namespace {

ipc::SharedBytes bytes(const std::string& s) {
  return ipc::SharedBytes::copyOf(s);
}

std::string label(std::uint64_t seq) {
  std::string out = "e";  // not "e" + to_string(): GCC 12 -Wrestrict false positive at -O3
  out += std::to_string(seq);
  return out;
}

TEST(DeliveryChannelTest, RingWrapsAroundAndKeepsOrder) {
  DeliveryChannel channel(3);
  std::uint64_t acked = 0;
  for (int round = 0; round < 5; ++round) {
    while (channel.hasRoom()) {
      auto seq = channel.assignSeq();
      channel.accept(seq, bytes(label(seq)));
    }
    std::vector<ipc::OutgoingEvent> out;
    channel.peekQueued(out, 100, 1 << 20);
    ASSERT_EQ(out.size(), channel.queued());
    for (std::size_t i = 1; i < out.size(); ++i)
      EXPECT_EQ(out[i].seq, out[i - 1].seq + 1);
    for (const auto& e : out)
      EXPECT_EQ(e.body->view(), label(e.seq));
    channel.markSent(out.size());
    auto released = channel.acknowledge(acked + 2);
    ASSERT_TRUE(released.ok());
    EXPECT_EQ(*released, 2u);
    acked += 2;
    EXPECT_EQ(channel.held(), 1u);
  }
}

TEST(DeliveryChannelTest, PeekRespectsEventAndByteLimitsButAlwaysTakesOne) {
  DeliveryChannel channel(10);
  for (int i = 0; i < 5; ++i)
    channel.accept(channel.assignSeq(), bytes(std::string(100, 'x')));
  std::vector<ipc::OutgoingEvent> out;
  channel.peekQueued(out, 2, 1 << 20);
  EXPECT_EQ(out.size(), 2u);
  out.clear();
  channel.peekQueued(out, 100, 250);
  EXPECT_EQ(out.size(), 2u);
  out.clear();
  channel.peekQueued(out, 100, 10);
  EXPECT_EQ(out.size(), 1u) << "an event larger than the byte limit still goes alone";
}

TEST(DeliveryChannelTest, SharedBodyIsReleasedOnAck) {
  DeliveryChannel channel(2);
  auto body = bytes("payload");
  channel.accept(channel.assignSeq(), body);
  EXPECT_EQ(body.useCount(), 2);
  std::vector<ipc::OutgoingEvent> out;
  channel.peekQueued(out, 10, 1 << 20);
  channel.markSent(out.size());
  ASSERT_TRUE(channel.acknowledge(1).ok());
  EXPECT_EQ(body.useCount(), 1);
}

TEST(DeliveryChannelTest, RemoveBlockedFindsOnlyWaitingEvents) {
  DeliveryChannel channel(1);
  channel.pushBlocked({5, bytes("a"), 0});
  channel.pushBlocked({6, bytes("b"), 0});
  EXPECT_TRUE(channel.removeBlocked(6));
  EXPECT_FALSE(channel.removeBlocked(6));
  EXPECT_EQ(channel.blockedCount(), 1u);
  EXPECT_EQ(channel.popBlocked().seq, 5u);
}

// The journal offset stays with its event from accept to peekQueued, on every ring position
// (the ring wraps), and through the block-policy FIFO.
TEST(DeliveryChannelTest, AnEventKeepsItsJournalOffsetFromAcceptToPeek) {
  DeliveryChannel channel(2);
  std::uint64_t offset = 100;
  for (int round = 0; round < 3; ++round) {  // wraps the ring
    const std::uint64_t journaled = channel.assignSeq();
    channel.accept(journaled, bytes(label(journaled)), ++offset);
    const std::uint64_t plain = channel.assignSeq();
    channel.accept(plain, bytes(label(plain)));  // not journaled
    std::vector<ipc::OutgoingEvent> out;
    channel.peekQueued(out, 100, 1 << 20);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].seq, journaled);
    EXPECT_EQ(out[0].offset, offset);
    EXPECT_EQ(out[1].offset, 0u) << "accepted without an offset: not journaled";
    channel.markSent(out.size());
    ASSERT_TRUE(channel.acknowledge(plain).ok());
  }
}

TEST(DeliveryChannelTest, ABlockedEventKeepsItsJournalOffset) {
  DeliveryChannel channel(1);
  channel.pushBlocked({5, bytes("a"), 1, 42});
  channel.pushBlocked({6, bytes("b"), 2, 0});
  BlockedEvent first = channel.popBlocked();
  EXPECT_EQ(first.offset, 42u);
  channel.accept(first.seq, first.body, first.offset);
  EXPECT_EQ(channel.popBlocked().offset, 0u);
  std::vector<ipc::OutgoingEvent> out;
  channel.peekQueued(out, 10, 1 << 20);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].seq, 5u);
  EXPECT_EQ(out[0].offset, 42u);
}

TEST(DeliveryChannelTest, AcknowledgeObservesHoldTimesOfEventsWithAnAcceptanceTime) {
  DeliveryChannel channel(4);
  channel.accept(channel.assignSeq(), bytes("a"), 0, 0, 1'000);
  channel.accept(channel.assignSeq(), bytes("b"), 0, 0, 2'000);
  channel.accept(channel.assignSeq(), bytes("c"));  // no acceptance time: not observed
  channel.markSent(3);
  HoldHistogram holds;
  ASSERT_EQ(*channel.acknowledge(3, &holds, 1'000'000), 3u);
  EXPECT_EQ(holds.counts[3], 2u) << "~1 ms: le 1 ms";
  EXPECT_EQ(holds.sumNs, 999'000u + 998'000u);
  std::uint64_t total = 0;
  for (auto count : holds.counts)
    total += count;
  EXPECT_EQ(total, 2u);
}

TEST(HoldHistogramTest, BoundsAreInclusiveAndNegativeTimesCountAsZero) {
  HoldHistogram holds;
  holds.observe(100'000);  // exactly the first bound: le 100 us
  holds.observe(100'001);
  holds.observe(-5);
  holds.observe(10'000'000'001);
  EXPECT_EQ(holds.counts[0], 2u);
  EXPECT_EQ(holds.counts[1], 1u);
  EXPECT_EQ(holds.counts.back(), 1u);
  EXPECT_EQ(holds.sumNs, 100'000u + 100'001u + 10'000'000'001u);
}

}  // namespace
}  // namespace plexus::host
