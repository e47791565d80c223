// BatchFlusher: only dirty modules are flushed, the lifecycle lane first, batches cut at the
// event and byte limits; a transport that would block keeps the events queued for a retry; an
// unreachable peer is reported once; the first event in flight stamps the stall clock.

#include "delivery/batch_flusher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "recording_sink.h"

namespace plexus::host {
namespace {

class BatchFlusherTest : public ::testing::Test {
 public:
  BatchFlusherTest() { attach(slot, 10); }

  BatchFlusher makeFlusher(BatchFlusher::Limits limits = {}) {
    return BatchFlusher(sink, limits, [this] { return now; });
  }
  // `offsets`: the module negotiated 1.4 (ipc::kMinorOffsets) or later.
  static void attach(ModuleSlot& s, std::uint32_t capacity, bool offsets = true) {
    ModuleAttachment module;
    module.moduleId = s.id;
    module.capacity = capacity;
    module.offsets = offsets;
    s.beginIncarnation(module);
  }
  void queue(int count, const std::string& body = "event") {
    for (int i = 0; i < count; ++i)
      slot.accept(slot.channel->assignSeq(), ipc::SharedBytes::copyOf(body), 0);
  }

  SteadyClock::time_point now = SteadyClock::time_point(std::chrono::hours(1));
  RecordingSink sink;
  ModuleSlot slot{"m"};
};

TEST_F(BatchFlusherTest, SendsTheLifecycleLaneFirstThenTheEvents) {
  BatchFlusher flusher = makeFlusher();
  queue(3);
  slot.channel->pushLifecycle(ipc::SharedBytes::copyOf("lifecycle"));
  flusher.markDirty(slot);
  flusher.markDirty(slot);  // idempotent
  flusher.flush();
  const auto& all = sink.delivered["m"];
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].lane, v1::LANE_LIFECYCLE);
  EXPECT_EQ(all[0].body, "lifecycle");
  for (std::size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(all[i].lane, v1::LANE_EVENT);
    EXPECT_EQ(all[i].seq, i);
  }
  EXPECT_EQ(sink.batches["m"], 2);
  EXPECT_EQ(flusher.batchesSent(), 2u);
  EXPECT_EQ(flusher.eventsSent(), 4u);
  EXPECT_EQ(slot.channel->inFlight(), 3u);
  EXPECT_FALSE(slot.channel->hasLifecycle());
  EXPECT_FALSE(slot.dirty);
  EXPECT_FALSE(flusher.backlogged());
}

TEST_F(BatchFlusherTest, OnlyDirtyAttachedModulesAreFlushed) {
  BatchFlusher flusher = makeFlusher();
  queue(2);
  flusher.flush();
  EXPECT_TRUE(sink.delivered.empty()) << "never marked dirty";
  flusher.markDirty(slot);
  slot.discardHeld(AckedLane::Event);
  slot.endIncarnation();
  flusher.flush();
  EXPECT_TRUE(sink.delivered.empty()) << "detached before the flush";
}

TEST_F(BatchFlusherTest, BatchesAreCutAtTheEventAndByteLimits) {
  BatchFlusher byCount = makeFlusher({2, 1u << 20});
  queue(5);
  byCount.markDirty(slot);
  byCount.flush();
  EXPECT_EQ(sink.batches["m"], 3) << "2 + 2 + 1";
  EXPECT_EQ(slot.channel->inFlight(), 5u);

  ModuleSlot other{"bytes"};
  attach(other, 10);
  BatchFlusher byBytes = makeFlusher({100, 25});
  for (int i = 0; i < 5; ++i)
    other.accept(other.channel->assignSeq(), ipc::SharedBytes::copyOf(std::string(10, 'x')), 0);
  other.accept(other.channel->assignSeq(), ipc::SharedBytes::copyOf(std::string(40, 'y')), 0);
  byBytes.markDirty(other);
  byBytes.flush();
  EXPECT_EQ(sink.batches["bytes"], 4) << "10+10, 10+10, 10, then 40 alone (at least one event)";
  EXPECT_EQ(sink.delivered["bytes"].size(), 6u);
}

// Journal offsets go to a module at 1.4 or later as the channel kept them; a module below 1.4
// gets 0 for each, which the encoder leaves off the wire (its EventMeta has no offset field).
TEST_F(BatchFlusherTest, JournalOffsetsLeaveOnlyForAModuleThatNegotiatedThem) {
  ModuleSlot old{"old"};
  attach(old, 10, false);
  BatchFlusher flusher = makeFlusher();
  for (ModuleSlot* s : {&slot, &old}) {
    s->accept(s->channel->assignSeq(), ipc::SharedBytes::copyOf("journaled"), 0, AckedLane::Event,
              42);
    s->accept(s->channel->assignSeq(), ipc::SharedBytes::copyOf("not"), 0);
    flusher.markDirty(*s);
  }
  flusher.flush();
  ASSERT_EQ(sink.delivered["m"].size(), 2u);
  EXPECT_EQ(sink.delivered["m"][0].offset, 42u);
  EXPECT_EQ(sink.delivered["m"][1].offset, 0u);
  ASSERT_EQ(sink.delivered["old"].size(), 2u);
  EXPECT_EQ(sink.delivered["old"][0].offset, 0u) << "below 1.4: no offset";
  EXPECT_EQ(sink.delivered["old"][1].offset, 0u);
}

TEST_F(BatchFlusherTest, WouldBlockKeepsEventsQueuedForARetry) {
  BatchFlusher flusher = makeFlusher();
  queue(3);
  sink.modes["m"] = SendStatus::WouldBlock;
  flusher.markDirty(slot);
  flusher.flush();
  EXPECT_TRUE(flusher.backlogged());
  EXPECT_EQ(slot.channel->queued(), 3u);
  EXPECT_TRUE(slot.dirty) << "still to be sent";
  sink.modes["m"] = SendStatus::Sent;
  flusher.flush();
  EXPECT_FALSE(flusher.backlogged());
  EXPECT_EQ(slot.channel->queued(), 0u);
  EXPECT_EQ(sink.delivered["m"].size(), 3u);
  EXPECT_TRUE(flusher.takeUnreachable().empty());
}

TEST_F(BatchFlusherTest, AnUnreachablePeerIsReportedOnceAndSkipped) {
  BatchFlusher flusher = makeFlusher();
  queue(1);
  sink.modes["m"] = SendStatus::Unreachable;
  flusher.markDirty(slot);
  flusher.flush();
  EXPECT_TRUE(slot.unreachable);
  EXPECT_FALSE(flusher.backlogged()) << "no retry for a peer that is gone";
  queue(1);
  flusher.markDirty(slot);
  flusher.flush();
  EXPECT_EQ(flusher.takeUnreachable(), std::vector<std::string>{"m"});
  EXPECT_TRUE(flusher.takeUnreachable().empty());
  EXPECT_EQ(slot.channel->queued(), 2u);
  EXPECT_EQ(flusher.batchesSent(), 0u);
}

TEST_F(BatchFlusherTest, TheStallClockStartsWhenNothingWasInFlight) {
  BatchFlusher flusher = makeFlusher();
  queue(1);
  flusher.markDirty(slot);
  flusher.flush();
  ASSERT_TRUE(slot.unackedSince.has_value());
  EXPECT_EQ(*slot.unackedSince, now);
  const auto first = now;
  now += std::chrono::seconds(3);
  queue(1);
  flusher.markDirty(slot);
  flusher.flush();
  EXPECT_EQ(*slot.unackedSince, first) << "events were already in flight";
}

}  // namespace
}  // namespace plexus::host
