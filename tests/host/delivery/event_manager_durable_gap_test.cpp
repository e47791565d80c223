// Durable modules across a node restart (a new Journal on the same store, nothing in memory):
// the catch-up reads the journal from the module's saved cursor; recorded holes and what
// retention trimmed show as gaps (one sequence number each, so the next event's
// dropped_before counts it) and are counted apart from drops; a read the store refuses is retried.

#include "durable_fixture.h"
#include "journal/journal_writer_probe.h"

namespace plexus::host {
namespace {

// A store as a previous run left it: events 1..10 but for `holes`, and `d`'s cursor at `cursor`.
std::unique_ptr<MemoryJournal> previousRun(std::uint64_t cursor, std::vector<Hole> holes) {
  auto store = std::make_unique<MemoryJournal>();
  JournalBatch batch;
  for (std::uint64_t offset = 1; offset <= 10; ++offset) {
    const bool inHole = std::any_of(holes.begin(), holes.end(), [&](const Hole& hole) {
      return hole.first <= offset && offset <= hole.last;
    });
    if (!inHole) batch.events.push_back(blockAt(offset));
  }
  batch.holes = std::move(holes);
  Cursor saved;
  saved.moduleId = "d";
  saved.cursor = cursor;
  saved.deliveredThrough = cursor + 1;
  batch.cursors.push_back(saved);
  batch.reservedThrough = 10;
  EXPECT_TRUE(store->append(batch).ok());
  return store;
}

TEST_F(DurableTest, AfterANodeRestartItResumesFromItsSavedCursorReadingTheJournal) {
  open(previousRun(3, {}));
  attach("d", 1);
  std::vector<Delivered> all;
  ASSERT_TRUE(drain("d", 7, all));
  EXPECT_EQ(offsets(all), range(4, 10));
  EXPECT_EQ(all[0].flags, kReplayed | kRedelivered) << "offset 4 had been sent before";
  for (std::size_t i = 1; i < all.size(); ++i)
    EXPECT_EQ(all[i].flags, kReplayed);
  publishBlock(11);
  EXPECT_EQ(offsets(take("d")), range(11, 11));
  EXPECT_EQ(m_journal->cursor("d")->cursor, 10u);
}

TEST_F(DurableTest, RecordedHolesAreGapsCountedApartFromDrops) {
  open(previousRun(2, {{4, 5, Hole::Reason::WriteFailed}, {8, 8, Hole::Reason::Crash}}));
  attach("d", 1);
  std::vector<Delivered> all;
  ASSERT_TRUE(drain("d", 5, all));
  EXPECT_EQ(offsets(all), (std::vector<std::uint64_t>{3, 6, 7, 9, 10}));
  EXPECT_EQ(all[0].droppedBefore, 0u);
  EXPECT_EQ(all[1].droppedBefore, 1u) << "the hole 4..5 before offset 6";
  EXPECT_EQ(all[2].droppedBefore, 0u);
  EXPECT_EQ(all[3].droppedBefore, 1u) << "the hole 8 before offset 9";
  const auto stats = m_em->stats("d");
  EXPECT_EQ(stats->journal_holes(), 3u);
  EXPECT_EQ(stats->channel_full(), 0u);
  expectInvariants(*stats);
}

TEST_F(DurableTest, WhatRetentionTrimmedBeforeItReadItIsAGapCountedAsTrimmed) {
  auto store = previousRun(2, {});
  Retention keepFive;
  keepFive.maxEvents = 5;
  ASSERT_TRUE(store->trim(keepFive, 0).ok());  // 1..5 go
  open(std::move(store));
  attach("d", 1);
  std::vector<Delivered> all;
  ASSERT_TRUE(drain("d", 5, all));
  EXPECT_EQ(offsets(all), range(6, 10));
  EXPECT_EQ(all[0].droppedBefore, 1u) << "offsets 3..5 were trimmed";
  EXPECT_EQ(m_em->stats("d")->trimmed(), 3u);
  expectInvariants(*m_em->stats("d"));
}

TEST_F(DurableTest, AReadTheStoreRefusesIsRetriedAndTheCatchUpGoesOn) {
  auto probe = std::make_unique<journal_test::ProbeStore>(
      std::make_unique<FailingJournal>(previousRun(0, {})));
  journal_test::ProbeStore& store = *probe;
  store.failReads(true);
  open(std::move(probe));
  attach("d", 1);
  // The refused read comes back; the module waits, catching up, for the retry.
  ASSERT_TRUE(until([&] {
    if (m_journal->reads().mayHaveItems()) m_journal->onReads();
    return m_em->nextDeadline().has_value();
  }));
  EXPECT_TRUE(take("d").empty());
  store.failReads(false);
  std::vector<Delivered> all;
  ASSERT_TRUE(until([&] {
    m_em->expire();  // the retry, once its time came
    step("d", all);
    return all.size() == 10;
  }));
  EXPECT_EQ(offsets(all), range(1, 10));
}

}  // namespace
}  // namespace plexus::host
