// ModuleSlot: each routed event counted once with exactly one fate, a reset that keeps both
// invariants, gauges across incarnations, subscription checks; ModuleSlots: stable slots by id.

#include "delivery/module_slot.h"

#include <gtest/gtest.h>

namespace plexus::host {
namespace {

ModuleAttachment attachment(const std::string& id, std::uint32_t capacity) {
  ModuleAttachment module;
  module.moduleId = id;
  module.capacity = capacity;
  return module;
}

ipc::SharedBytes bytes(const std::string& s) {
  return ipc::SharedBytes::copyOf(s);
}

// routed = successful + channel_full + failed; successful = acked + queued + in_flight + lost.
void expectInvariants(const v1::DeliveryStats& s) {
  EXPECT_EQ(s.routed(), s.successful() + s.channel_full() + s.failed());
  EXPECT_EQ(s.successful(), s.acked() + s.queued() + s.in_flight() + s.lost());
}

TEST(ModuleSlotTest, EveryRoutedEventHasExactlyOneFate) {
  ModuleSlot slot("m");
  slot.beginIncarnation(attachment("m", 2));
  slot.accept(slot.channel->assignSeq(), bytes("one"), 111);
  slot.accept(slot.channel->assignSeq(), bytes("two"), 222);
  slot.countDropped();
  slot.countFailed();
  slot.countTimedOut();
  auto s = slot.stats();
  EXPECT_EQ(s.module_id(), "m");
  EXPECT_EQ(s.routed(), 5u);
  EXPECT_EQ(s.successful(), 2u);
  EXPECT_EQ(s.channel_full(), 2u);
  EXPECT_EQ(s.failed(), 1u);
  EXPECT_EQ(s.queued(), 2u);
  EXPECT_EQ(s.max_held(), 2u);
  EXPECT_EQ(s.capacity(), 2u);
  EXPECT_EQ(s.last_event_at_unix_ms(), 222);
  expectInvariants(s);
}

// ModuleSlot::accept hands the journal offset to the lane it accepts into.
TEST(ModuleSlotTest, AcceptKeepsTheJournalOffsetOnEitherLane) {
  ModuleSlot slot("m");
  ModuleAttachment module = attachment("m", 2);
  module.criticalCapacity = 1;
  slot.beginIncarnation(module);
  slot.accept(slot.channel->assignSeq(), bytes("journaled"), 1, AckedLane::Event, 42);
  slot.accept(slot.channel->assignSeq(), bytes("not"), 1);
  slot.accept(slot.critical->assignSeq(), bytes("reorg"), 1, AckedLane::Critical, 43);
  std::vector<ipc::OutgoingEvent> out;
  slot.channel->peekQueued(out, 10, 1 << 20);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].offset, 42u);
  EXPECT_EQ(out[1].offset, 0u);
  out.clear();
  slot.critical->peekQueued(out, 10, 1 << 20);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].offset, 43u);
}

TEST(ModuleSlotTest, ResetCountersKeepsWhatTheChannelHolds) {
  ModuleSlot slot("m");
  slot.beginIncarnation(attachment("m", 3));
  for (int i = 0; i < 2; ++i)
    slot.accept(slot.channel->assignSeq(), bytes("e"), 500);
  slot.countDropped();
  ++slot.counters.decodeErrors;
  slot.resetCounters();
  auto s = slot.stats();
  EXPECT_EQ(s.routed(), 2u);
  EXPECT_EQ(s.successful(), 2u);
  EXPECT_EQ(s.max_held(), 2u);
  EXPECT_EQ(s.channel_full(), 0u);
  EXPECT_EQ(s.decode_errors(), 0u);
  EXPECT_EQ(s.last_event_at_unix_ms(), 500) << "kept";
  expectInvariants(s);
}

TEST(ModuleSlotTest, StatsSinceStartAreUntouchedByResets) {
  ModuleSlot slot("m");
  slot.beginIncarnation(attachment("m", 3));
  for (int i = 0; i < 2; ++i)
    slot.accept(slot.channel->assignSeq(), bytes("e"), 500);
  slot.countDropped();
  slot.countFiltered();
  ++slot.counters.decodeErrors;
  const v1::DeliveryStats before = slot.statsSinceStart();
  slot.resetCounters();
  slot.resetCounters();  // twice: what the channel holds is not counted again
  EXPECT_EQ(slot.statsSinceStart().SerializeAsString(), before.SerializeAsString());
  slot.channel->markSent(2);
  ASSERT_TRUE(slot.acknowledge(AckedLane::Event, 2).ok());
  slot.countFailed();
  auto s = slot.statsSinceStart();
  EXPECT_EQ(s.routed(), 4u);
  EXPECT_EQ(s.successful(), 2u);
  EXPECT_EQ(s.acked(), 2u);
  EXPECT_EQ(s.channel_full(), 1u);
  EXPECT_EQ(s.failed(), 1u);
  EXPECT_EQ(s.filtered(), 1u);
  EXPECT_EQ(s.decode_errors(), 1u);
  EXPECT_EQ(s.max_held(), 2u);
  expectInvariants(s);
  EXPECT_EQ(slot.stats().routed(), 3u) << "the reset view: 2 held at the reset, 1 failed since";
}

TEST(ModuleSlotTest, AnIncarnationStartsFreshAndTheCountersOutliveIt) {
  ModuleSlot slot("m");
  slot.beginIncarnation(attachment("m", 7));
  slot.accept(slot.channel->assignSeq(), bytes("e"), 1);
  slot.subscribed.set(v1::EVENT_TYPE_NEW_BLOCK);
  slot.replayed.set(v1::EVENT_TYPE_MODULE_LOADED);
  slot.loaded = slot.stopping = slot.unreachable = true;
  slot.unackedSince = SteadyClock::now();
  slot.announcement = bytes("loaded");

  slot.discardHeld(AckedLane::Event);
  slot.endIncarnation();
  EXPECT_FALSE(slot.attached());
  EXPECT_TRUE(slot.subscriptions().empty());
  EXPECT_EQ(slot.gauges().lanes[0].capacity, 7u)
      << "the last incarnation's capacity while it is gone";
  EXPECT_EQ(slot.gauges().lanes[0].queued, 0u);
  expectInvariants(slot.stats());

  slot.beginIncarnation(attachment("m", 4));
  EXPECT_TRUE(slot.attached());
  EXPECT_TRUE(slot.subscribed.none());
  EXPECT_TRUE(slot.replayed.none());
  EXPECT_FALSE(slot.loaded || slot.stopping || slot.unreachable);
  EXPECT_FALSE(slot.unackedSince.has_value());
  EXPECT_EQ(slot.announcement.size(), 0u);
  EXPECT_EQ(slot.channel->assignSeq(), 1u) << "a new channel";
  EXPECT_EQ(slot.stats().routed(), 1u);
  EXPECT_EQ(slot.stats().lost(), 1u);
  EXPECT_EQ(slot.stats().capacity(), 4u);
}

TEST(ModuleSlotTest, HeldFollowsBothLanesThroughAcceptAckAndDiscard) {
  ModuleSlot slot("m");
  ModuleAttachment module = attachment("m", 4);
  module.criticalCapacity = 2;
  slot.beginIncarnation(module);
  for (int i = 0; i < 3; ++i)
    slot.accept(slot.channel->assignSeq(), bytes("e"), 1);
  for (int i = 0; i < 2; ++i)
    slot.accept(slot.critical->assignSeq(), bytes("c"), 1, AckedLane::Critical);
  EXPECT_EQ(slot.held(), 5u);
  EXPECT_EQ(slot.held(), slot.channel->held() + slot.critical->held());
  EXPECT_EQ(slot.stats().max_held(), 5u);

  slot.channel->markSent(2);
  slot.critical->markSent(2);
  auto released = slot.acknowledge(AckedLane::Event, 2);
  ASSERT_TRUE(released.ok());
  EXPECT_EQ(*released, 2u);
  EXPECT_FALSE(slot.acknowledge(AckedLane::Critical, 3).ok()) << "seq 3 was never sent";
  EXPECT_EQ(slot.held(), 3u) << "a refused ack releases nothing";
  ASSERT_TRUE(slot.acknowledge(AckedLane::Critical, 1).ok());
  EXPECT_EQ(slot.held(), 2u);
  EXPECT_EQ(slot.held(), slot.channel->held() + slot.critical->held());
  EXPECT_EQ(slot.stats().acked(), 3u);
  expectInvariants(slot.stats());

  slot.discardHeld(AckedLane::Critical);
  slot.discardHeld(AckedLane::Event);
  EXPECT_EQ(slot.held(), 0u);
  EXPECT_EQ(slot.stats().lost(), 2u);
  expectInvariants(slot.stats());

  slot.endIncarnation();
  slot.beginIncarnation(attachment("m", 4));
  slot.discardHeld(AckedLane::Critical);  // no critical lane: nothing to discard
  EXPECT_EQ(slot.held(), 0u);
  EXPECT_EQ(slot.stats().lost(), 2u);
}

TEST(ModuleSlotTest, CheckSubscribeIsAllOrNothingWithTheReason) {
  ModuleSlot slot("narrow");
  ModuleAttachment module = attachment("narrow", 1);
  module.subscribeAllowed.reset();
  module.subscribeAllowed.set(v1::EVENT_TYPE_NEW_BLOCK);
  slot.beginIncarnation(module);
  EXPECT_TRUE(slot.checkSubscribe(std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
  auto denied =
      slot.checkSubscribe(std::vector{v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_PEER_BANNED});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, v1::ERROR_CODE_PERMISSION_DENIED);
  EXPECT_NE(denied.error().message.find("PeerBanned"), std::string::npos) << denied.error().message;
  auto invalid = slot.checkSubscribe(std::vector{v1::EVENT_TYPE_UNSPECIFIED});
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().code, v1::ERROR_CODE_INVALID_ARGUMENT);
}

TEST(ModuleSlotTest, SubscriptionsAreListedInTypeOrder) {
  ModuleSlot slot("m");
  slot.subscribed.set(v1::EVENT_TYPE_PEER_BANNED);
  slot.subscribed.set(v1::EVENT_TYPE_NEW_BLOCK);
  EXPECT_EQ(slot.subscriptions(),
            (std::vector{v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_PEER_BANNED}));
}

TEST(ModuleSlotsTest, SlotsAreCreatedOnceAndStayPut) {
  ModuleSlots slots;
  ModuleSlot& first = slots.getOrCreate("a");
  for (int i = 0; i < 100; ++i)
    slots.getOrCreate("m" + std::to_string(i));
  EXPECT_EQ(&slots.getOrCreate("a"), &first) << "pointers to a slot stay valid";
  EXPECT_EQ(slots.find("a"), &first);
  EXPECT_EQ(slots.find("nobody"), nullptr);
  EXPECT_EQ(slots.size(), 101u);
  EXPECT_EQ(slots.attached("a"), nullptr) << "known, but no incarnation attached";
  first.beginIncarnation(attachment("a", 1));
  EXPECT_EQ(slots.attached("a"), &first);
  std::size_t visited = 0;
  slots.forEach([&](ModuleSlot&) { ++visited; });
  EXPECT_EQ(visited, 101u);
}

}  // namespace
}  // namespace plexus::host
