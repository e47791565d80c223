// EventManager with durable modules (docs/design.md "Durable modules"): the first start begins at
// the journal's head; a later incarnation first gets what its predecessors did not ack, in
// journal order - from memory or from the journal thread's reads - flagged replayed (and
// redelivered when an earlier incarnation had been sent it), then live events with no gap and
// no duplicate at the seam; a full channel never drops a journaled event for it.

#include "durable_fixture.h"

namespace plexus::host {
namespace {

TEST_F(DurableTest, AFirstStartBeginsAtTheHeadAndGoesLive) {
  publishBlocks(1, 3);  // before it existed: not for it
  attach("d", 1);
  EXPECT_TRUE(take("d").empty());
  publishBlocks(4, 5);
  const auto sent = take("d");
  EXPECT_EQ(offsets(sent), (std::vector<std::uint64_t>{4, 5}));
  for (const auto& event : sent)
    EXPECT_EQ(event.flags, 0u) << "live events carry no flag";
  ASSERT_TRUE(m_journal->cursor("d").has_value());
  EXPECT_EQ(m_journal->cursor("d")->cursor, 3u);
  ASSERT_TRUE(m_em->ack("d", sent.back().seq).ok());
  EXPECT_EQ(m_journal->cursor("d")->cursor, 5u);
}

TEST_F(DurableTest, StartAllBeginsWithWhatTheJournalHolds) {
  publishBlocks(1, 3);
  attach("d", 1, 10, DeliveryPolicy::Drop, ModuleAttachment::DurableStart::All);
  const auto sent = take("d");
  EXPECT_EQ(offsets(sent), range(1, 3));
  for (const auto& event : sent)
    EXPECT_EQ(event.flags, kReplayed);
}

TEST_F(DurableTest, ANextIncarnationGetsWhatWasNotAckedFlaggedThenWhatItMissed) {
  attach("d", 1);
  publishBlocks(1, 4);
  const auto first = take("d");
  ASSERT_EQ(offsets(first), range(1, 4));
  ASSERT_TRUE(m_em->ack("d", first[1].seq).ok());  // acked through offset 2, then it died
  m_em->detach("d");
  EXPECT_EQ(m_journal->cursor("d")->cursor, 2u);
  EXPECT_EQ(m_journal->cursor("d")->deliveredThrough, 4u);
  publishBlocks(5, 7);  // while it was away

  attach("d", 2);   // catches up from memory at once, then goes live
  publishBlock(8);  // live: after the others, once, unflagged
  const auto second = take("d");
  ASSERT_EQ(offsets(second), range(3, 8));
  EXPECT_EQ(second[0].flags, kReplayed | kRedelivered);
  EXPECT_EQ(second[1].flags, kReplayed | kRedelivered);
  for (std::size_t i = 2; i < 5; ++i)
    EXPECT_EQ(second[i].flags, kReplayed) << "offset " << second[i].offset;
  EXPECT_EQ(second.back().flags, 0u);
  for (std::size_t i = 0; i < second.size(); ++i)
    EXPECT_EQ(second[i].seq, i + 1) << "a new incarnation's sequence starts at 1, without gaps";
  const auto stats = m_em->stats("d");
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->replayed(), 5u);
  EXPECT_EQ(stats->redelivered(), 2u);
  EXPECT_EQ(stats->channel_full(), 0u);
  expectInvariants(*stats);
}

TEST_F(DurableTest, AFullChannelNeverDropsAJournaledEventForIt) {
  attach("d", 1, 4);
  publishBlocks(1, 10);  // 4 fit; the rest wait in the journal
  auto sent = take("d");
  ASSERT_EQ(offsets(sent), range(1, 4));
  std::vector<Delivered> all = sent;
  ASSERT_TRUE(m_em->ack("d", sent.back().seq).ok());
  ASSERT_TRUE(drain("d", 6, all));
  EXPECT_EQ(offsets(all), range(1, 10));
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].seq, i + 1);
    EXPECT_EQ(all[i].droppedBefore, 0u);
    EXPECT_EQ(all[i].flags, i < 4 ? 0u : kReplayed) << "offset " << all[i].offset;
  }
  publishBlock(11);  // live again
  const auto live = take("d");
  ASSERT_EQ(offsets(live), range(11, 11));
  EXPECT_EQ(live[0].flags, 0u);
  EXPECT_EQ(m_em->stats("d")->channel_full(), 0u);
}

TEST_F(DurableTest, BlockPublishersNeverWaitForADurableModuleOnJournaledTypes) {
  attach("d", 1, 2, DeliveryPolicy::Block);
  RecordingWaiter waiter;
  for (std::uint64_t height = 1; height <= 5; ++height) {
    const auto report = publishBlock(height, &waiter);
    ASSERT_TRUE(report.has_value()) << "publish " << height << " waits";
    EXPECT_TRUE(report->missed.empty());
  }
  std::vector<Delivered> all = take("d");
  ASSERT_TRUE(m_em->ack("d", all.back().seq).ok());
  ASSERT_TRUE(drain("d", 3, all));
  EXPECT_EQ(offsets(all), range(1, 5));
}

TEST_F(DurableTest, ACatchUpBeyondWhatMemoryHoldsReadsTheJournalInOrder) {
  attach("d", 1, 100);
  m_em->detach("d");
  const std::uint64_t total = 20'000;  // more than the journal keeps in memory
  publishBlocks(1, total);
  attach("d", 2, 100);
  std::vector<Delivered> all;
  ASSERT_TRUE(drain("d", total, all)) << all.size() << " of " << total;
  ASSERT_EQ(all.size(), total);
  for (std::uint64_t i = 0; i < total; ++i) {
    ASSERT_EQ(all[i].offset, i + 1);
    ASSERT_EQ(all[i].seq, i + 1);
    ASSERT_EQ(all[i].flags, kReplayed);
  }
  publishBlock(total + 1);
  EXPECT_EQ(offsets(take("d")), range(total + 1, total + 1)) << "live after the catch-up";
  expectInvariants(*m_em->stats("d"));
}

TEST_F(DurableTest, ItsFiltersApplyToTheCatchUp) {
  attach("d", 1);
  m_em->detach("d");
  publishBlocks(1, 6);
  m_em->attach(durableAttachment("d", 2, 10));
  const std::vector<FilterRequest> filter{{v1::EVENT_TYPE_NEW_BLOCK, "height >= 4"}};
  ASSERT_TRUE(m_em->subscribe("d", std::vector{v1::EVENT_TYPE_NEW_BLOCK}, filter).ok());
  EXPECT_EQ(offsets(take("d")), range(4, 6));
  EXPECT_EQ(m_em->stats("d")->filtered(), 3u);
}

TEST_F(DurableTest, ItsCursorSurvivesForAModuleThatIsGone) {
  attach("d", 1);
  publishBlocks(1, 2);
  const auto sent = take("d");
  ASSERT_TRUE(m_em->ack("d", sent.back().seq).ok());
  m_em->detach("d");
  ASSERT_TRUE(m_journal->cursor("d").has_value());
  EXPECT_EQ(m_journal->cursor("d")->cursor, 2u);
  EXPECT_TRUE(m_journal->forgetCursor("d"));
  EXPECT_FALSE(m_journal->cursor("d").has_value());
  EXPECT_FALSE(m_journal->forgetCursor("d"));
}

}  // namespace
}  // namespace plexus::host
