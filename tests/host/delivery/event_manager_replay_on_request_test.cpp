// Replay on request (docs/design.md "Replay on request"): a module asks for journaled events
// and gets them on its replay lane - flagged replayed, in journal order, with the lane's own
// sequence numbers and credit, only in the room live events leave - then a ReplayEnd after the
// last one. Holes and trimmed offsets are gaps of the lane, counted apart from drops.

#include "replay_fixture.h"

namespace plexus::host {
namespace {

TEST_F(ReplayOnRequestTest, ADropModuleFillsItsGapFromTheReplayLaneThenGetsTheEnd) {
  attachPlain("m", 4);
  publishBlocks(1, 10);  // it holds 1..4; 5..10 are dropped for it
  std::vector<Delivered> live = sent("m", v1::LANE_EVENT);
  ASSERT_EQ(offsets(live), range(1, 4));
  EXPECT_EQ(m_em->stats("m")->channel_full(), 6u);

  auto answer = m_em->requestReplay("m", from(5, 10));
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer->replay_id(), 1u);
  EXPECT_EQ(answer->through_offset(), 10u);
  ASSERT_EQ(answer->types_size(), 1);
  EXPECT_EQ(answer->types(0), v1::EVENT_TYPE_NEW_BLOCK);
  // Its event lane holds its whole capacity: the replay waits for room.
  m_journal->onReads();
  EXPECT_TRUE(sent("m", v1::LANE_REPLAY).empty());
  ASSERT_TRUE(m_em->ack("m", live.back().seq).ok());

  ASSERT_TRUE(replayToEnd("m"));
  const std::vector<Delivered> replayed = sent("m", v1::LANE_REPLAY);
  EXPECT_EQ(offsets(replayed), range(5, 10));
  for (std::size_t i = 0; i < replayed.size(); ++i) {
    EXPECT_EQ(replayed[i].seq, i + 1) << "the replay lane's own sequence";
    EXPECT_EQ(replayed[i].droppedBefore, 0u);
    EXPECT_EQ(replayed[i].flags, kReplayed);
  }
  const auto& end = m_sink.replayEnds["m"].back();
  EXPECT_EQ(end.after, m_sink.delivered["m"].size()) << "the end follows the last event";
  EXPECT_EQ(end.end.replay_id(), 1u);
  EXPECT_EQ(end.end.from_offset(), 5u);
  EXPECT_EQ(end.end.through_offset(), 10u);
  EXPECT_EQ(end.end.events(), 6u);
  EXPECT_EQ(end.end.journal_holes(), 0u);
  EXPECT_EQ(end.end.trimmed(), 0u);
  EXPECT_EQ(end.end.journal_first_offset(), 1u);

  const v1::DeliveryStats stats = *m_em->stats("m");
  EXPECT_EQ(stats.replayed(), 6u);
  expectInvariants(stats);
  ASSERT_EQ(stats.lanes_size(), 3);
  EXPECT_EQ(stats.lanes(2).lane(), v1::LANE_REPLAY);
  EXPECT_EQ(stats.lanes(2).routed(), 6u);
  EXPECT_EQ(stats.lanes(2).acked(), 6u);
  EXPECT_EQ(stats.lanes(2).capacity(), 2u) << "half the capacity";
  // Another replay may follow once the first ended; live events never waited for either.
  EXPECT_TRUE(m_em->requestReplay("m", from(1, 2)).ok());
}

TEST_F(ReplayOnRequestTest, TheReplayLaneTakesOnlyTheRoomLiveEventsLeave) {
  attachPlain("m", 6);
  publishBlocks(1, 20);  // holds 1..6
  ASSERT_TRUE(m_em->requestReplay("m", from(7, 20)).ok());
  std::vector<Delivered> live = sent("m", v1::LANE_EVENT);
  ASSERT_TRUE(m_em->ack("m", live[1].seq).ok());  // two slots free
  ASSERT_TRUE(until([&] {
    if (m_journal->reads().mayHaveItems()) m_journal->onReads();
    return sent("m", v1::LANE_REPLAY).size() >= 2;
  }));
  EXPECT_EQ(offsets(sent("m", v1::LANE_REPLAY)), range(7, 8));
  // Live events still find their lane's room (4 held + 2 replayed; 2 slots free on it).
  publishBlocks(21, 22);
  EXPECT_EQ(offsets(sent("m", v1::LANE_EVENT)),
            (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 21, 22}));
  EXPECT_EQ(m_em->stats("m")->channel_full(), 14u) << "7..20 only";
  // Freed event-lane room goes to the replay, at most its own three slots at a time.
  live = sent("m", v1::LANE_EVENT);
  ASSERT_TRUE(m_em->ack("m", live.back().seq).ok());
  m_journal->onReads();
  ASSERT_TRUE(until([&] {
    if (m_journal->reads().mayHaveItems()) m_journal->onReads();
    return sent("m", v1::LANE_REPLAY).size() >= 3;
  }));
  EXPECT_EQ(m_em->stats("m")->lanes(2).in_flight(), 3u);
  ASSERT_TRUE(replayToEnd("m"));
  EXPECT_EQ(offsets(sent("m", v1::LANE_REPLAY)), range(7, 20));
}

TEST_F(ReplayOnRequestTest, HolesAndTrimmedOffsetsAreGapsOfTheReplayLaneCountedApart) {
  auto store = std::make_unique<MemoryJournal>();
  JournalBatch batch;
  for (std::uint64_t offset : {3, 4, 7, 8}) {
    v1::Event block = hostEvent(v1::EVENT_TYPE_NEW_BLOCK);
    block.mutable_new_block()->set_height(offset);
    batch.events.push_back({offset, static_cast<std::int64_t>(offset) * 1'000'000,
                            v1::EVENT_TYPE_NEW_BLOCK, std::string(serializeEvent(block).view())});
  }
  batch.holes.push_back({5, 6, Hole::Reason::WriteFailed});
  batch.reservedThrough = 8;
  ASSERT_TRUE(store->append(batch).ok());
  open(std::move(store));
  publishBlock(9);  // offset 9: the journal hands out after the reservation it found
  attachPlain("m", 10);
  const std::uint64_t last = m_journal->lastOffset();
  ASSERT_TRUE(m_em->requestReplay("m", from(1, 8)).ok());
  ASSERT_TRUE(replayToEnd("m"));
  const std::vector<Delivered> replayed = sent("m", v1::LANE_REPLAY);
  ASSERT_EQ(offsets(replayed), (std::vector<std::uint64_t>{3, 4, 7, 8}));
  EXPECT_EQ(replayed[0].droppedBefore, 1u) << "1..2 were trimmed (the journal begins at 3)";
  EXPECT_EQ(replayed[1].droppedBefore, 0u);
  EXPECT_EQ(replayed[2].droppedBefore, 1u) << "the hole 5..6";
  const auto& end = m_sink.replayEnds["m"].back().end;
  EXPECT_EQ(end.events(), 4u);
  EXPECT_EQ(end.journal_holes(), 2u);
  EXPECT_EQ(end.trimmed(), 2u);
  EXPECT_EQ(end.journal_first_offset(), 3u);
  const v1::DeliveryStats stats = *m_em->stats("m");
  EXPECT_EQ(stats.journal_holes(), 2u);
  EXPECT_EQ(stats.trimmed(), 2u);
  EXPECT_EQ(stats.channel_full(), 0u) << "gaps are not drops";
  expectInvariants(stats);
  EXPECT_GE(last, 9u);
}

TEST_F(ReplayOnRequestTest, ATimeResolvesToTheFirstEventStoredAtOrAfterIt) {
  auto store = std::make_unique<MemoryJournal>();
  JournalBatch batch;
  for (std::uint64_t offset = 1; offset <= 6; ++offset) {
    v1::Event block = hostEvent(v1::EVENT_TYPE_NEW_BLOCK);
    block.mutable_new_block()->set_height(offset);
    batch.events.push_back({offset, static_cast<std::int64_t>(offset) * 1'000'000,
                            v1::EVENT_TYPE_NEW_BLOCK, std::string(serializeEvent(block).view())});
  }
  batch.reservedThrough = 6;
  ASSERT_TRUE(store->append(batch).ok());
  open(std::move(store));
  publishBlock(7);
  attachPlain("m", 10);
  v1::ReplayRequest request;
  request.set_since_unix_ms(4);  // offset 4 was stored at 4 ms
  request.set_until_offset(6);
  ASSERT_TRUE(m_em->requestReplay("m", request).ok());
  ASSERT_TRUE(replayToEnd("m"));
  EXPECT_EQ(offsets(sent("m", v1::LANE_REPLAY)), range(4, 6));
  EXPECT_EQ(m_sink.replayEnds["m"].back().end.from_offset(), 4u);
}

TEST_F(ReplayOnRequestTest, BadRequestsAreRefusedWithWhy) {
  attachPlain("m", 10);
  publishBlocks(1, 5);
  v1::ReplayRequest both = from(1);
  both.set_since_unix_ms(1);
  v1::ReplayRequest unsubscribed = from(1);
  unsubscribed.add_types(v1::EVENT_TYPE_NEW_TRANSACTION);
  v1::ReplayRequest invalid = from(1);
  invalid.add_types(static_cast<v1::EventType>(9999));
  EXPECT_EQ(
      errorsOf("m", {from(0), both, unsubscribed, invalid, from(6)}),
      (std::vector<v1::ErrorCode>{v1::ERROR_CODE_INVALID_ARGUMENT, v1::ERROR_CODE_INVALID_ARGUMENT,
                                  v1::ERROR_CODE_INVALID_ARGUMENT, v1::ERROR_CODE_INVALID_ARGUMENT,
                                  v1::ERROR_CODE_INVALID_ARGUMENT}));
  // A subscribed type the node does not journal.
  ASSERT_TRUE(m_em->subscribe("m", std::vector{v1::EVENT_TYPE_NEW_TRANSACTION}).ok());
  auto notJournaled = m_em->requestReplay("m", unsubscribed);
  ASSERT_FALSE(notJournaled.ok());
  EXPECT_NE(notJournaled.error().message.find("not journaled"), std::string::npos);
  // One at a time.
  ASSERT_TRUE(m_em->requestReplay("m", from(1)).ok());
  auto second = m_em->requestReplay("m", from(1));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, v1::ERROR_CODE_ALREADY_EXISTS);
  // Below 1.5, and unknown modules.
  attachPlain("old", 10, false);
  EXPECT_EQ(errorsOf("old", {from(1)}), std::vector{v1::ERROR_CODE_INVALID_ARGUMENT});
  EXPECT_EQ(errorsOf("nobody", {from(1)}), std::vector{v1::ERROR_CODE_UNAVAILABLE});
  // An ack of a replay lane it does not have.
  EXPECT_FALSE(m_em->ack("old", 1, v1::LANE_REPLAY).ok());
}

TEST_F(ReplayOnRequestTest, ANodeWithoutAJournalHasNothingToReplay) {
  RecordingSink sink;
  EventManager plain(sink, EventManager::Options{});
  ModuleAttachment module;
  module.moduleId = "m";
  module.replay = true;
  plain.attach(module);
  ASSERT_TRUE(plain.subscribe("m", std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
  EXPECT_FALSE(plain.journals());
  auto answer = plain.requestReplay("m", from(1));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code, v1::ERROR_CODE_UNAVAILABLE);
}

TEST_F(ReplayOnRequestTest, WhatTheReplayLaneHeldAtDeathIsLostAndTheReplayEnds) {
  attachPlain("m", 10);
  publishBlocks(1, 8);
  m_em->flush();
  ASSERT_TRUE(m_em->ack("m", 8).ok());
  ASSERT_TRUE(m_em->requestReplay("m", from(1, 8)).ok());
  ASSERT_TRUE(until([&] {
    if (m_journal->reads().mayHaveItems()) m_journal->onReads();
    return sent("m", v1::LANE_REPLAY).size() >= 5;
  }));
  m_em->detach("m");
  const v1::DeliveryStats stats = *m_em->stats("m");
  EXPECT_EQ(stats.lanes(2).lost(), 5u);
  expectInvariants(stats);
  EXPECT_TRUE(m_sink.replayEnds["m"].empty());
  // A read still on its way finds the incarnation gone.
  if (m_journal->reads().mayHaveItems()) m_journal->onReads();
  m_em->flush();
  EXPECT_TRUE(m_sink.replayEnds["m"].empty());
}

}  // namespace
}  // namespace plexus::host
