// OffsetAllocator: offsets are handed out only within a durable reservation, never twice, not
// even across a reopen; the offsets a crashed run reserved but never wrote become a Crash hole.
// ReservationSizer: the block follows the hand-out rate (two round trips of the writer at that
// rate), within its bounds, and shrinks back when the rate falls.

#include "journal/offset_allocator.h"

#include <gtest/gtest.h>

#include <chrono>

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

using namespace std::chrono_literals;
using SizerClock = ReservationSizer::Clock;

// `offsets` more asked for, one every `every`, sampled as the Journal samples them.
void feed(ReservationSizer& sizer, std::uint64_t& demand, SizerClock::time_point& now,
          std::uint64_t offsets, std::chrono::nanoseconds every) {
  for (std::uint64_t i = 0; i < offsets; ++i) {
    ++demand;
    now += every;
    if (sizer.sampleDue(demand)) sizer.sample(demand, now);
  }
}

TEST(ReservationSizerTest, AModerateRateKeepsTheLeastBlock) {
  ReservationSizer sizer(16384, 1 << 20, 65536);
  std::uint64_t demand = 0;
  SizerClock::time_point now{};
  feed(sizer, demand, now, 100'000, 100us);  // 10 000 a second
  sizer.roundTrip(5ms);
  EXPECT_NEAR(sizer.rate(), 10'000, 100);
  EXPECT_EQ(sizer.block(), 16384u);  // 2 x 10 000/s x 5 ms = 100
}

TEST(ReservationSizerTest, ABurstBeyondTheWriterReservesTwoFullQueuesAtItsRateBounded) {
  ReservationSizer sizer(16384, 1 << 20, 65536);
  std::uint64_t demand = 0;
  SizerClock::time_point now{};
  feed(sizer, demand, now, 4096, 500ns);  // 2 000 000 a second
  EXPECT_NEAR(sizer.rate(), 2e6, 1e4);
  // The writer's speed is not measured yet (assumed 100 000 events/s): a full queue takes
  // 655 ms, 2.6 M offsets at this rate - bounded.
  EXPECT_EQ(sizer.block(), 1u << 20);
  // Measured: 65 536 events in 200 ms; two full queues at 2 M/s = 800 000.
  sizer.writerWrote(65536, 200ms);
  EXPECT_NEAR(static_cast<double>(sizer.block()), 800'000, 5'000);
  // A round trip longer than that (a slow disk) lengthens the horizon, still bounded.
  sizer.roundTrip(1s);
  EXPECT_EQ(sizer.block(), 1u << 20);
}

TEST(ReservationSizerTest, TheBlockShrinksBackWhenTheRateFalls) {
  ReservationSizer sizer(16384, 1 << 20, 65536);
  std::uint64_t demand = 0;
  SizerClock::time_point now{};
  feed(sizer, demand, now, 8192, 500ns);
  sizer.writerWrote(65536, 200ms);
  sizer.roundTrip(200ms);
  const std::uint64_t burst = sizer.block();
  EXPECT_GT(burst, 500'000u);
  // One slow window does not undo a burst: the rate halves per window.
  feed(sizer, demand, now, ReservationSizer::kWindow, 1ms);
  EXPECT_GT(sizer.block(), 16384u);
  EXPECT_LT(sizer.block(), burst);
  feed(sizer, demand, now, 20 * ReservationSizer::kWindow, 1ms);  // 1 000 a second
  EXPECT_EQ(sizer.block(), 16384u);
}

}  // namespace
}  // namespace plexus::host
