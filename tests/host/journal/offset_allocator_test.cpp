// OffsetAllocator: offsets are handed out only within a durable reservation, never twice, not
// even across a reopen; the offsets a crashed run reserved but never wrote become a Crash hole.

#include "journal/offset_allocator.h"

#include <gtest/gtest.h>

#include "journal/journal_store.h"
#include "journal/journal_test_support.h"

namespace plexus::host {
namespace {

using journal_test::eventAt;
using journal_test::TempDir;

TEST(OffsetAllocatorTest, AFreshJournalStartsAtOneWithTwoBlocksReserved) {
  TempDir dir;
  auto store = makeSqliteJournal(dir.file("journal.db"));
  auto allocator = OffsetAllocator::open(*store, 100);
  ASSERT_TRUE(allocator.ok());
  EXPECT_FALSE(allocator->crashHole().has_value());
  EXPECT_EQ(store->reservedThrough(), 200u);
  EXPECT_EQ(allocator->headroom(), 200u);
  EXPECT_EQ(allocator->allocate(), 1u);
  EXPECT_EQ(allocator->allocate(), 2u);
  EXPECT_EQ(allocator->wantedReservation(), 0u);  // 198 left: ample
}

TEST(OffsetAllocatorTest, HeadroomRunsOutUntilAReservationIsDurable) {
  TempDir dir;
  auto store = makeSqliteJournal(dir.file("journal.db"));
  auto allocator = OffsetAllocator::open(*store, 10);
  ASSERT_TRUE(allocator.ok());
  for (std::uint64_t expected = 1; expected <= 11; ++expected)
    ASSERT_EQ(allocator->allocate(), expected);
  EXPECT_EQ(allocator->headroom(), 9u);
  const std::uint64_t wanted = allocator->wantedReservation();
  EXPECT_EQ(wanted, 31u);  // handed out through 11, plus two blocks
  for (int i = 0; i < 9; ++i)
    ASSERT_TRUE(allocator->allocate().has_value());
  EXPECT_EQ(allocator->headroom(), 0u);
  EXPECT_FALSE(allocator->allocate().has_value());
  JournalBatch batch;
  batch.reservedThrough = wanted;
  ASSERT_TRUE(store->append(batch).ok());
  allocator->onReserved(store->reservedThrough());
  EXPECT_EQ(allocator->allocate(), 21u);
  allocator->onReserved(5);  // a stale notice changes nothing
  EXPECT_EQ(allocator->reserved(), 31u);
}

TEST(OffsetAllocatorTest, OffsetsAreNeverReusedAcrossReopens) {
  TempDir dir;
  const auto path = dir.file("journal.db");
  std::uint64_t highest = 0;
  for (int run = 0; run < 3; ++run) {
    auto store = makeSqliteJournal(path);
    auto allocator = OffsetAllocator::open(*store, 16);
    ASSERT_TRUE(allocator.ok());
    JournalBatch batch;
    for (int i = 0; i < 5; ++i) {
      const auto offset = allocator->allocate();
      ASSERT_TRUE(offset.has_value());
      EXPECT_GT(*offset, highest);
      highest = *offset;
      batch.events.push_back(eventAt(*offset));
    }
    ASSERT_TRUE(store->append(batch).ok());
  }
}

TEST(OffsetAllocatorTest, ACrashGapBecomesAHoleAndTheCounterContinuesAfterIt) {
  TempDir dir;
  const auto path = dir.file("journal.db");
  {
    auto store = makeSqliteJournal(path);
    auto allocator = OffsetAllocator::open(*store, 50);  // reserves through 100
    ASSERT_TRUE(allocator.ok());
    JournalBatch batch;
    for (int i = 0; i < 7; ++i)
      batch.events.push_back(eventAt(*allocator->allocate()));
    ASSERT_TRUE(store->append(batch).ok());
    // 8 .. 12 handed out but never written: the "crash".
    for (int i = 0; i < 5; ++i)
      ASSERT_TRUE(allocator->allocate().has_value());
  }
  auto store = makeSqliteJournal(path);
  auto allocator = OffsetAllocator::open(*store, 50);
  ASSERT_TRUE(allocator.ok());
  ASSERT_TRUE(allocator->crashHole().has_value());
  EXPECT_EQ(*allocator->crashHole(), (Hole{8, 100, Hole::Reason::Crash}));
  auto holes = store->holes(1, 1000);
  ASSERT_TRUE(holes.ok());
  EXPECT_EQ(*holes, (std::vector<Hole>{Hole{8, 100, Hole::Reason::Crash}}));
  EXPECT_EQ(allocator->allocate(), 101u);
  EXPECT_EQ(store->reservedThrough(), 200u);
  // A clean reopen right after leaves the same hole alone and records the new gap.
  store.reset();
  store = makeSqliteJournal(path);
  auto again = OffsetAllocator::open(*store, 50);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again->crashHole(), (Hole{101, 200, Hole::Reason::Crash}));
  EXPECT_EQ(again->allocate(), 201u);
}

}  // namespace
}  // namespace plexus::host
