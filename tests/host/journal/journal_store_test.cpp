// JournalStore: one typed suite run against the SQLite store and the in-memory fake, so the fake
// the writer tests use behaves as the real store does: appends, ranges, type sets, holes,
// cursors, retention by count, bytes and age, statistics.

#include "journal/journal_store.h"

#include <gtest/gtest.h>

#include <limits>
#include <memory>

#include "fakes/memory_journal.h"
#include "journal/journal_test_support.h"

namespace plexus::host {
namespace {

using journal_test::eventAt;
using journal_test::TempDir;

struct SqliteFactory {
  TempDir dir;
  std::unique_ptr<JournalStore> make() { return makeSqliteJournal(dir.file("journal.db")); }
};
struct MemoryFactory {
  std::unique_ptr<JournalStore> make() { return std::make_unique<MemoryJournal>(); }
};

template <class Factory>
class JournalStoreTest : public ::testing::Test {
 protected:
  JournalStoreTest() : store(factory.make()) {}

  // Appends events first..last (type: 1 for odd offsets, 2 for even ones), one batch.
  void appendRange(std::uint64_t first, std::uint64_t last, std::size_t size = 32) {
    JournalBatch batch;
    for (std::uint64_t offset = first; offset <= last; ++offset)
      batch.events.push_back(eventAt(offset, offset % 2 == 1 ? 1 : 2, 0, size));
    ASSERT_TRUE(store->append(batch).ok());
  }
  std::vector<std::uint64_t> offsets(std::uint64_t from, std::uint64_t to, std::size_t max = 1000,
                                     const std::vector<std::int32_t>& types = {}) {
    auto events = store->read(from, to, max, types);
    EXPECT_TRUE(events.ok());
    std::vector<std::uint64_t> out;
    for (const JournalEvent& event : *events)
      out.push_back(event.offset);
    return out;
  }

  Factory factory;
  std::unique_ptr<JournalStore> store;
};

using Stores = ::testing::Types<SqliteFactory, MemoryFactory>;
class StoreNames {
 public:
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, SqliteFactory> ? "Sqlite" : "Memory";
  }
};
TYPED_TEST_SUITE(JournalStoreTest, Stores, StoreNames);

TYPED_TEST(JournalStoreTest, EmptyStoreHasNothing) {
  auto stats = this->store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->events, 0u);
  EXPECT_EQ(stats->firstOffset, 0u);
  EXPECT_EQ(stats->lastOffset, 0u);
  EXPECT_EQ(this->store->lastOffset(), 0u);
  EXPECT_EQ(this->store->reservedThrough(), 0u);
  EXPECT_TRUE(this->offsets(1, 100).empty());
}

TYPED_TEST(JournalStoreTest, AppendedEventsReadBackWhole) {
  this->appendRange(1, 10);
  auto events = this->store->read(1, 10, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 10u);
  for (std::uint64_t offset = 1; offset <= 10; ++offset)
    EXPECT_EQ((*events)[offset - 1], eventAt(offset, offset % 2 == 1 ? 1 : 2));
  EXPECT_EQ(this->store->lastOffset(), 10u);
}

TYPED_TEST(JournalStoreTest, ReadsRangesLimitsAndTypeSets) {
  this->appendRange(1, 20);
  EXPECT_EQ(this->offsets(5, 8), (std::vector<std::uint64_t>{5, 6, 7, 8}));
  EXPECT_EQ(this->offsets(18, 100), (std::vector<std::uint64_t>{18, 19, 20}));
  EXPECT_EQ(this->offsets(3, 20, 2), (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(this->offsets(1, 10, 100, {2}), (std::vector<std::uint64_t>{2, 4, 6, 8, 10}));
  EXPECT_EQ(this->offsets(1, 10, 3, {1}), (std::vector<std::uint64_t>{1, 3, 5}));
  EXPECT_EQ(this->offsets(1, 20, 100, {1, 2}).size(), 20u);
  EXPECT_TRUE(this->offsets(1, 20, 100, {7}).empty());
  EXPECT_TRUE(this->offsets(10, 5).empty());
  // An open upper bound (SQLite integers are signed).
  EXPECT_EQ(this->offsets(19, std::numeric_limits<std::uint64_t>::max()),
            (std::vector<std::uint64_t>{19, 20}));
  EXPECT_TRUE(this->offsets(1, 20, 0).empty());
}

TYPED_TEST(JournalStoreTest, RefusesOffsetsNotAboveTheLast) {
  this->appendRange(1, 5);
  JournalBatch again;
  again.events.push_back(eventAt(5));
  Status refused = this->store->append(again);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_FALSE(isStorageFailure(refused.error()));
  JournalBatch overlapping;
  overlapping.events.push_back(eventAt(7));
  overlapping.holes.push_back(Hole{6, 7, Hole::Reason::Overflow});
  EXPECT_FALSE(this->store->append(overlapping).ok());
  JournalBatch zero;
  zero.events.push_back(eventAt(0));
  EXPECT_FALSE(this->store->append(zero).ok());
  EXPECT_EQ(this->offsets(1, 100).size(), 5u);  // nothing of a refused batch was written
  EXPECT_EQ(this->store->lastOffset(), 5u);
}

TYPED_TEST(JournalStoreTest, HolesAreRecordedAndFoundByOverlap) {
  JournalBatch batch;
  batch.events = {eventAt(1), eventAt(2), eventAt(6)};
  batch.holes = {Hole{3, 5, Hole::Reason::WriteFailed}, Hole{7, 7, Hole::Reason::Overflow}};
  ASSERT_TRUE(this->store->append(batch).ok());
  EXPECT_EQ(this->store->lastOffset(), 7u);
  auto all = this->store->holes(1, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, batch.holes);
  auto some = this->store->holes(5, 6);
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(*some, (std::vector<Hole>{Hole{3, 5, Hole::Reason::WriteFailed}}));
  auto open = this->store->holes(6, std::numeric_limits<std::uint64_t>::max());
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->size(), 1u);
  auto none = this->store->holes(1, 2);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto stats = this->store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->holes, 2u);
  EXPECT_EQ(stats->holeOffsets, 4u);
}

TYPED_TEST(JournalStoreTest, ReservationOnlyGrows) {
  JournalBatch batch;
  batch.reservedThrough = 4096;
  ASSERT_TRUE(this->store->append(batch).ok());
  EXPECT_EQ(this->store->reservedThrough(), 4096u);
  batch.reservedThrough = 100;
  ASSERT_TRUE(this->store->append(batch).ok());
  EXPECT_EQ(this->store->reservedThrough(), 4096u);
  EXPECT_EQ(this->store->lastOffset(), 0u);  // a reservation is not a write
}

TYPED_TEST(JournalStoreTest, CursorsPutGetListDelete) {
  Cursor a{"alpha", 10, {{12, 14}, {20, 20}}, 111};
  Cursor b{"beta", 3, {}, 222};
  ASSERT_TRUE(this->store->putCursor(b).ok());
  JournalBatch batch;
  batch.cursors.push_back(a);
  ASSERT_TRUE(this->store->append(batch).ok());
  auto gotA = this->store->getCursor("alpha");
  ASSERT_TRUE(gotA.ok());
  ASSERT_TRUE(gotA->has_value());
  EXPECT_EQ(**gotA, a);
  auto missing = this->store->getCursor("gamma");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  a.cursor = 20;
  a.ackedAbove.clear();
  ASSERT_TRUE(this->store->putCursor(a).ok());
  auto list = this->store->listCursors();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, (std::vector<Cursor>{a, b}));
  auto deleted = this->store->deleteCursor("alpha");
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(*deleted);
  auto again = this->store->deleteCursor("alpha");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  list = this->store->listCursors();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, (std::vector<Cursor>{b}));
}

TYPED_TEST(JournalStoreTest, TrimByCount) {
  this->appendRange(1, 100);
  auto trimmed = this->store->trim(Retention{30, 0, 0}, 0);
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(trimmed->events, 70u);
  EXPECT_EQ(trimmed->bytes, 70u * 32);
  EXPECT_EQ(trimmed->firstOffset, 71u);
  EXPECT_EQ(this->offsets(1, 100).front(), 71u);
  auto stats = this->store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->events, 30u);
  EXPECT_EQ(stats->bytes, 30u * 32);
  EXPECT_EQ(stats->firstOffset, 71u);
  EXPECT_EQ(stats->lastOffset, 100u);
  // Within the limits: nothing more goes.
  auto again = this->store->trim(Retention{30, 0, 0}, 0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->events, 0u);
}

TYPED_TEST(JournalStoreTest, TrimByBytes) {
  this->appendRange(1, 10, 100);  // 1 000 bytes
  auto trimmed = this->store->trim(Retention{0, 450, 0}, 0);
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(trimmed->events, 6u);
  EXPECT_EQ(trimmed->bytes, 600u);
  auto stats = this->store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->bytes, 400u);
  EXPECT_EQ(stats->firstOffset, 7u);
}

TYPED_TEST(JournalStoreTest, TrimByAgeAndStatsOldestTime) {
  this->appendRange(1, 10);  // event n at time n * 1000 ns
  auto stats = this->store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->oldestTimeNs, 1000);
  auto trimmed = this->store->trim(Retention{0, 0, 4500}, 10'000);  // keep time >= 5 500
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(trimmed->events, 5u);
  stats = this->store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->oldestTimeNs, 6000);
  EXPECT_EQ(stats->firstOffset, 6u);
}

TYPED_TEST(JournalStoreTest, TrimRemovesHolesBelowAndCutsAStraddlingOne) {
  JournalBatch batch;
  batch.events = {eventAt(1), eventAt(2), eventAt(6), eventAt(7), eventAt(10)};
  batch.holes = {Hole{3, 5, Hole::Reason::Crash}, Hole{8, 9, Hole::Reason::WriteFailed}};
  ASSERT_TRUE(this->store->append(batch).ok());
  auto trimmed = this->store->trim(Retention{2, 0, 0}, 0);  // keeps 7 and 10
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(trimmed->events, 3u);
  EXPECT_EQ(trimmed->holes, 1u);
  auto holes = this->store->holes(1, 100);
  ASSERT_TRUE(holes.ok());
  EXPECT_EQ(*holes, (std::vector<Hole>{Hole{8, 9, Hole::Reason::WriteFailed}}));
  // Everything trimmed: the last offset is still remembered.
  trimmed = this->store->trim(Retention{0, 0, 1}, 1'000'000);
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(trimmed->events, 2u);
  EXPECT_EQ(trimmed->firstOffset, 0u);
  EXPECT_EQ(this->store->lastOffset(), 10u);
  auto stats = this->store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->events, 0u);
  EXPECT_EQ(stats->bytes, 0u);
  EXPECT_EQ(stats->firstOffset, 0u);
  EXPECT_EQ(stats->lastOffset, 10u);
}

TYPED_TEST(JournalStoreTest, UnlimitedRetentionTrimsNothing) {
  this->appendRange(1, 10);
  auto trimmed = this->store->trim(Retention{}, 1'000'000'000);
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(trimmed->events, 0u);
  EXPECT_EQ(this->offsets(1, 10).size(), 10u);
}

TYPED_TEST(JournalStoreTest, AppendsAfterATrimContinue) {
  this->appendRange(1, 10);
  ASSERT_TRUE(this->store->trim(Retention{5, 0, 0}, 0).ok());
  this->appendRange(11, 12);
  EXPECT_EQ(this->offsets(1, 100), (std::vector<std::uint64_t>{6, 7, 8, 9, 10, 11, 12}));
  auto stats = this->store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->events, 7u);
}

TYPED_TEST(JournalStoreTest, OffsetAtOrAfterFindsTheFirstEventAtOrAfterATime) {
  auto at = [&](std::int64_t timeNs) {
    auto offset = this->store->offsetAtOrAfter(timeNs);
    EXPECT_TRUE(offset.ok());
    return offset.ok() ? *offset : 999u;
  };
  EXPECT_EQ(at(1), 0u) << "an empty store has none";
  // Times are not in offset order (a clock stepped back at offset 4): the first by offset wins.
  JournalBatch batch;
  for (std::int64_t time : {100, 200, 300, 150, 400})
    batch.events.push_back(journal_test::eventAt(batch.events.size() + 1, 1, time));
  batch.holes.push_back(Hole{6, 7, Hole::Reason::Crash});
  batch.events.push_back(journal_test::eventAt(8, 2, 500));
  ASSERT_TRUE(this->store->append(batch).ok());
  EXPECT_EQ(at(1), 1u);
  EXPECT_EQ(at(100), 1u) << "at the time itself";
  EXPECT_EQ(at(101), 2u);
  EXPECT_EQ(at(250), 3u);
  EXPECT_EQ(at(301), 5u) << "offset 4 (150) is before the time";
  EXPECT_EQ(at(401), 8u) << "past the hole";
  EXPECT_EQ(at(501), 0u) << "none at or after";
  ASSERT_TRUE(this->store->trim(Retention{2, 0, 0}, 0).ok());  // keeps 5 and 8
  EXPECT_EQ(at(1), 5u) << "trimmed events are not found";
}

}  // namespace
}  // namespace plexus::host
