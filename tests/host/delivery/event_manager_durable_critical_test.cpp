// Critical events of a durable module (docs/design.md "Critical events of a durable module"):
// a live journaled event of critical priority reaches the module at once on its critical lane,
// even while it catches up; the catch-up passes over it (no duplicate, no gap on the event
// lane); the cursor stops below a critical event not acked yet, and what was acked above the
// cursor is kept with it (Cursor::ackedAbove), so no later incarnation gets it again.

#include "durable_fixture.h"

namespace plexus::host {
namespace {

class DurableCriticalTest : public DurableTest {
 protected:
  DurableCriticalTest() { m_criticalCapacity = 2; }

  // What `id` was sent on its critical lane so far, flushed first (take() clears it).
  std::vector<Delivered> critical(const std::string& id) {
    m_em->flush();
    return m_sink.lane(id, v1::LANE_CRITICAL);
  }
  Cursor cursorOf(const std::string& id) {
    auto saved = m_journal->cursor(id);
    EXPECT_TRUE(saved.has_value());
    return saved.value_or(Cursor{});
  }
  using Ranges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
};

TEST_F(DurableCriticalTest, ACriticalEventReachesACatchingUpModuleAtOnceAndOnlyOnce) {
  attach("d", 1, 4);
  publishBlocks(1, 10);             // 1..4 fill its event lane; 5..10 wait for the catch-up
  publishBlock(11, nullptr, true);  // critical: at once, on its critical lane
  publishBlock(12);
  const auto urgent = critical("d");
  ASSERT_EQ(offsets(urgent), std::vector<std::uint64_t>{11});
  EXPECT_EQ(urgent[0].seq, 1u);
  EXPECT_EQ(urgent[0].flags, 0u) << "a live event";

  std::vector<Delivered> all = take("d");
  ASSERT_EQ(offsets(all), range(1, 4));
  ASSERT_TRUE(m_em->ack("d", all.back().seq).ok());
  ASSERT_TRUE(drain("d", 7, all));
  std::vector<std::uint64_t> expected = range(1, 10);
  expected.push_back(12);
  EXPECT_EQ(offsets(all), expected) << "the catch-up passes over 11, with no gap";
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].seq, i + 1);
    EXPECT_EQ(all[i].droppedBefore, 0u);
  }
  // Everything of the event lane acked; 11 is not: the cursor stops below it.
  EXPECT_EQ(cursorOf("d").cursor, 10u);
  EXPECT_EQ(cursorOf("d").ackedAbove, (Ranges{{12, 12}}));
  ASSERT_TRUE(m_em->ack("d", 1, v1::LANE_CRITICAL).ok());
  EXPECT_EQ(cursorOf("d").cursor, 12u);
  EXPECT_TRUE(cursorOf("d").ackedAbove.empty());

  publishBlock(13, nullptr, true);  // live now: critical still on its own lane
  publishBlock(14);
  EXPECT_EQ(offsets(critical("d")), std::vector<std::uint64_t>{13});  // take() cleared 11
  EXPECT_EQ(offsets(take("d")), std::vector<std::uint64_t>{14});
  const auto stats = m_em->stats("d");
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->channel_full(), 0u);
  expectInvariants(*stats);
}

TEST_F(DurableCriticalTest, WhatWasAckedAboveTheCursorIsNotDeliveredAgain) {
  attach("d", 1, 4);
  publishBlocks(1, 2);
  publishBlock(3, nullptr, true);
  publishBlock(4);
  ASSERT_EQ(offsets(critical("d")), std::vector<std::uint64_t>{3});
  ASSERT_EQ(offsets(take("d")), (std::vector<std::uint64_t>{1, 2, 4}));
  ASSERT_TRUE(m_em->ack("d", 1, v1::LANE_CRITICAL).ok());  // out of order: 1, 2, 4 not acked
  EXPECT_EQ(cursorOf("d").cursor, 0u);
  EXPECT_EQ(cursorOf("d").ackedAbove, (Ranges{{3, 3}}));
  m_em->detach("d");  // it dies holding 1, 2, 4
  EXPECT_EQ(cursorOf("d").deliveredThrough, 4u);

  attach("d", 2, 4);
  const auto again = take("d");
  EXPECT_EQ(offsets(again), (std::vector<std::uint64_t>{1, 2, 4})) << "3 was acked: not again";
  for (const auto& event : again)
    EXPECT_EQ(event.flags, kReplayed | kRedelivered) << "offset " << event.offset;
  EXPECT_TRUE(critical("d").empty());
  ASSERT_TRUE(m_em->ack("d", again.back().seq).ok());
  EXPECT_EQ(cursorOf("d").cursor, 4u);
  EXPECT_TRUE(cursorOf("d").ackedAbove.empty());
  EXPECT_EQ(m_em->stats("d")->redelivered(), 3u);
  expectInvariants(*m_em->stats("d"));
}

TEST_F(DurableCriticalTest, ACriticalEventNotAckedHoldsTheCursorBackAndComesBackFlagged) {
  attach("d", 1, 4);
  publishBlock(1);
  publishBlock(2, nullptr, true);
  publishBlock(3);
  ASSERT_EQ(offsets(critical("d")), std::vector<std::uint64_t>{2});
  const auto first = take("d");
  ASSERT_EQ(offsets(first), (std::vector<std::uint64_t>{1, 3}));
  ASSERT_TRUE(m_em->ack("d", first.back().seq).ok());
  EXPECT_EQ(cursorOf("d").cursor, 1u) << "not past the critical event it holds";
  EXPECT_EQ(cursorOf("d").ackedAbove, (Ranges{{3, 3}}));
  m_em->detach("d");

  attach("d", 2, 4);
  const auto again = take("d");
  ASSERT_EQ(offsets(again), std::vector<std::uint64_t>{2}) << "only what it had not acked";
  EXPECT_EQ(again[0].flags, kReplayed | kRedelivered);
  publishBlock(4);
  EXPECT_EQ(offsets(take("d")), std::vector<std::uint64_t>{4});
}

TEST_F(DurableCriticalTest, WithItsCriticalSlotsFullTheCatchUpBringsACriticalEventInOrder) {
  m_criticalCapacity = 1;
  attach("d", 1, 2);
  publishBlocks(1, 3);             // 3 finds the event lane full: it catches up from 3
  publishBlock(4, nullptr, true);  // the critical slot
  publishBlock(5, nullptr, true);  // no critical slot: left to the catch-up, not dropped
  publishBlock(6);
  EXPECT_EQ(offsets(critical("d")), std::vector<std::uint64_t>{4});
  std::vector<Delivered> all = take("d");
  ASSERT_TRUE(m_em->ack("d", all.back().seq).ok());
  ASSERT_TRUE(drain("d", 3, all));
  EXPECT_EQ(offsets(all), (std::vector<std::uint64_t>{1, 2, 3, 5, 6}));
  const auto stats = m_em->stats("d");
  EXPECT_EQ(stats->channel_full(), 0u);
  expectInvariants(*stats);
}

TEST_F(DurableCriticalTest, AModuleWithoutACriticalLaneGetsThemInJournalOrder) {
  m_criticalCapacity = 0;
  attach("d", 1, 2);
  publishBlocks(1, 3);
  publishBlock(4, nullptr, true);
  publishBlock(5);
  EXPECT_TRUE(critical("d").empty());
  std::vector<Delivered> all = take("d");
  ASSERT_TRUE(m_em->ack("d", all.back().seq).ok());
  ASSERT_TRUE(drain("d", 3, all));
  EXPECT_EQ(offsets(all), range(1, 5));
}

// After a node restart: the saved ackedAbove is kept, and the catch-up (read from the store)
// passes over it; the rest up to the delivered mark comes back flagged.
TEST_F(DurableCriticalTest, ASavedAckedAboveSurvivesANodeRestart) {
  Cursor saved;
  saved.moduleId = "d";
  saved.cursor = 2;
  saved.ackedAbove = {{5, 6}};
  saved.deliveredThrough = 8;
  open(storeOf(10, saved));
  attach("d", 1, 16);
  std::vector<Delivered> all;
  ASSERT_TRUE(drain("d", 6, all));
  EXPECT_EQ(offsets(all), (std::vector<std::uint64_t>{3, 4, 7, 8, 9, 10}));
  for (const auto& event : all) {
    EXPECT_EQ(event.flags, event.offset <= 8 ? kReplayed | kRedelivered : kReplayed)
        << "offset " << event.offset;
  }
  EXPECT_EQ(cursorOf("d").cursor, 10u);
  EXPECT_TRUE(cursorOf("d").ackedAbove.empty());
}

}  // namespace
}  // namespace plexus::host
