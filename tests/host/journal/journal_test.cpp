// Journal (the service the node runs): offsets only for journaled types, strictly increasing;
// a full writer queue turns the offset into an Overflow hole, never a lost offset; the
// reservation is extended ahead, further at a high hand-out rate (bounded), and, while the store
// refuses writes, no offset is handed out beyond it (the event goes unjournaled, counted; a
// publisher that can wait gets nullopt and goes on after the reservation's notice); a clean stop
// leaves no Crash hole; one node per journal directory.

#include "journal/journal.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>

#include "fakes/failing_journal.h"
#include "journal/journal_test_support.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

ipc::SharedBytes bytes(const std::string& text) {
  return ipc::SharedBytes::copyOf(text);
}

JournalSettings newBlocksOnly() {
  JournalSettings settings;
  settings.directory = "/nonexistent/for-messages-only";
  settings.types.set(static_cast<std::size_t>(v1::EVENT_TYPE_NEW_BLOCK));
  return settings;
}

class JournalTest : public ::testing::Test {
 protected:
  void start(const JournalSettings& settings = newBlocksOnly()) {
    auto store = std::make_unique<FailingJournal>();
    failing = store.get();
    journal = std::make_unique<Journal>(std::move(store), settings);
  }

  // Drains the journal's notices, as the loop would, until `done` holds or 5 s passed.
  bool waitFor(const std::function<bool()>& done) {
    return journal_test::serveJournalUntil(*journal, done, false);
  }

  std::vector<JournalEvent> stored() {
    return failing->inner().read(1, UINT64_MAX, 1'000'000).value();
  }
  std::vector<Hole> holes() { return failing->inner().holes(1, UINT64_MAX).value(); }

  FailingJournal* failing = nullptr;
  std::unique_ptr<Journal> journal;
};

TEST_F(JournalTest, JournaledTypesGetIncreasingOffsetsAndAreStoredWithTheirBodies) {
  start();
  EXPECT_TRUE(journal->journals(v1::EVENT_TYPE_NEW_BLOCK));
  EXPECT_FALSE(journal->journals(v1::EVENT_TYPE_PEER_CONNECTED));
  EXPECT_EQ(journal->record(v1::EVENT_TYPE_NEW_BLOCK, bytes("one")), 1u);
  EXPECT_EQ(journal->record(v1::EVENT_TYPE_NEW_BLOCK, bytes("two")), 2u);
  EXPECT_EQ(journal->record(v1::EVENT_TYPE_NEW_BLOCK, bytes("three")), 3u);
  journal->stop();
  EXPECT_EQ(journal->record(v1::EVENT_TYPE_NEW_BLOCK, bytes("late")), 0u);  // stopped

  const auto events = stored();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].offset, 1u);
  EXPECT_EQ(events[0].body, "one");
  EXPECT_EQ(events[2].body, "three");
  EXPECT_EQ(events[1].type, v1::EVENT_TYPE_NEW_BLOCK);
  EXPECT_GT(events[0].timeNs, 0);
  const JournalStatus status = journal->status();
  EXPECT_EQ(status.journaled, 3u);
  EXPECT_EQ(status.nextOffset, 4u);
  EXPECT_EQ(status.last.committedThrough, 3u);
  EXPECT_TRUE(holes().empty());
}

TEST_F(JournalTest, AFullQueueRecordsAnOverflowHoleAndTheEventKeepsItsOffset) {
  JournalSettings settings = newBlocksOnly();
  settings.writer.queueCapacity = 2;
  start(settings);
  failing->hold(true);
  EXPECT_EQ(journal->record(v1::EVENT_TYPE_NEW_BLOCK, bytes("held")), 1u);
  ASSERT_TRUE(failing->waitUntilHolding(5s));  // the writer is stuck writing offset 1
  EXPECT_EQ(journal->record(v1::EVENT_TYPE_NEW_BLOCK, bytes("q1")), 2u);
  EXPECT_EQ(journal->record(v1::EVENT_TYPE_NEW_BLOCK, bytes("q2")), 3u);
  EXPECT_EQ(journal->record(v1::EVENT_TYPE_NEW_BLOCK, bytes("over1")), 4u);
  EXPECT_EQ(journal->record(v1::EVENT_TYPE_NEW_BLOCK, bytes("over2")), 5u);
  EXPECT_EQ(journal->status().overflow, 2u);
  failing->hold(false);
  journal->stop();

  std::vector<std::uint64_t> offsets;
  for (const auto& event : stored())
    offsets.push_back(event.offset);
  EXPECT_EQ(offsets, (std::vector<std::uint64_t>{1, 2, 3}));
  ASSERT_EQ(holes().size(), 1u);
  EXPECT_EQ(holes()[0], (Hole{4, 5, Hole::Reason::Overflow}));
  EXPECT_EQ(journal->status().journaled, 3u);
}

TEST_F(JournalTest, TheReservationMovesAheadAndNoOffsetIsHandedOutBeyondADurableOne) {
  JournalSettings settings = newBlocksOnly();
  settings.reservationBlock = 4;  // the first reservation: offsets 1..8
  start(settings);
  std::uint64_t last = 0;
  for (int i = 0; i < 20; ++i) {
    // Each reservation needs a notice before its offsets can go: let the loop take them.
    ASSERT_TRUE(waitFor([&] { return journal->status().reservedThrough > last; }));
    const std::uint64_t offset = journal->record(v1::EVENT_TYPE_NEW_BLOCK, bytes("e"));
    ASSERT_EQ(offset, last + 1);
    last = offset;
  }

  // The disk fills: writes and reservations fail. What is reserved still goes out; beyond it,
  // events go unjournaled (offset 0), counted; never an offset that is not durably reserved.
  failing->setFull(true);
  std::uint64_t given = 0;
  std::uint64_t unjournaled = 0;
  for (int i = 0; i < 40; ++i) {
    const std::uint64_t offset = journal->record(v1::EVENT_TYPE_NEW_BLOCK, bytes("f"));
    if (offset == 0) {
      ++unjournaled;
      continue;
    }
    EXPECT_EQ(offset, last + 1);
    last = offset;
    ++given;
    journal->onNotices();
  }
  EXPECT_LE(last, journal->status().reservedThrough);
  EXPECT_GT(unjournaled, 0u);
  EXPECT_EQ(journal->status().unjournaled, unjournaled);
  ASSERT_TRUE(waitFor([&] { return journal->status().last.failures > 0; }));
  EXPECT_FALSE(journal->status().last.ok);

  // Room again: the writer recovers on its own, the reservation moves, offsets resume above
  // every offset handed out before.
  failing->setFull(false);
  ASSERT_TRUE(waitFor([&] { return journal->status().reservedThrough > last; }));
  EXPECT_EQ(journal->record(v1::EVENT_TYPE_NEW_BLOCK, bytes("back")), last + 1);
  journal->stop();
  for (const Hole& hole : holes())
    EXPECT_EQ(hole.reason, Hole::Reason::WriteFailed);
}

TEST_F(JournalTest, AWaitingPublisherGetsNoOffsetBeyondTheReservationAndGoesOnAfterItsNotice) {
  JournalSettings settings = newBlocksOnly();
  settings.reservationBlock = 4;  // offsets 1..8 reserved at start
  start(settings);
  failing->hold(true);  // the writer is stuck on its first group: no reservation comes back
  for (std::uint64_t expected = 1; expected <= 8; ++expected)
    ASSERT_EQ(journal->tryRecord(v1::EVENT_TYPE_NEW_BLOCK, bytes("e")), expected);
  ASSERT_TRUE(failing->waitUntilHolding(5s));
  EXPECT_EQ(journal->tryRecord(v1::EVENT_TYPE_NEW_BLOCK, bytes("waits")), std::nullopt);
  EXPECT_EQ(journal->status().nextOffset, 9u) << "nothing handed out";
  EXPECT_EQ(journal->status().unjournaled, 0u) << "a wait, not an event without offset";
  // A publisher that cannot wait goes without an offset, counted.
  EXPECT_EQ(journal->record(v1::EVENT_TYPE_NEW_BLOCK, bytes("cannot wait")), 0u);
  EXPECT_EQ(journal->status().unjournaled, 1u);

  failing->hold(false);
  ASSERT_TRUE(waitFor([&] { return journal->status().reservedThrough > 8; }));
  EXPECT_EQ(journal->tryRecord(v1::EVENT_TYPE_NEW_BLOCK, bytes("goes on")), 9u);
  journal->stop();
  std::vector<std::uint64_t> offsets;
  for (const auto& event : stored())
    offsets.push_back(event.offset);
  EXPECT_EQ(offsets, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_TRUE(holes().empty());
}

TEST_F(JournalTest, AHighHandOutRateReservesFurtherAheadBoundedAndALowOneShrinksItBack) {
  JournalSettings settings = newBlocksOnly();
  settings.reservationBlock = 64;
  settings.writer.queueCapacity = 512;  // groups too small to measure the writer by
  auto now = std::chrono::steady_clock::time_point(1h);
  settings.steadyNow = [&] { return now; };
  start(settings);
  // A billion offsets a second, far beyond what the writer is assumed to write (until measured:
  // 100 000 events/s): the block is as large as allowed, and the reservation follows it.
  std::uint64_t handed = 0;
  auto offerAll = [&](std::chrono::nanoseconds step, int count) {
    for (int i = 0; i < count; ++i) {
      for (;;) {
        now += step;
        const std::uint64_t groups = journal->status().last.groups;
        if (auto offset = journal->tryRecord(v1::EVENT_TYPE_NEW_BLOCK, bytes("b"))) {
          ASSERT_EQ(*offset, handed + 1);
          handed = *offset;
          break;
        }
        // The queue is full or the reservation is used up: a later group brings room.
        ASSERT_TRUE(waitFor([&] { return journal->status().last.groups > groups; }));
      }
    }
  };
  ASSERT_NO_FATAL_FAILURE(offerAll(1ns, 8 * 1024));
  EXPECT_EQ(journal->status().reservationBlock, Journal::kMaxReservationBlock);
  ASSERT_TRUE(waitFor([&] {
    const JournalStatus status = journal->status();
    return status.reservedThrough - handed >= status.reservationBlock;
  }));
  EXPECT_LE(journal->status().reservedThrough - handed, 2 * Journal::kMaxReservationBlock);

  // A thousand a second: the block shrinks back to the configured one.
  ASSERT_NO_FATAL_FAILURE(offerAll(1ms, 20 * 1024));
  EXPECT_EQ(journal->status().reservationBlock, 64u);
  EXPECT_EQ(journal->status().unjournaled, 0u);
}

class JournalDirectoryTest : public ::testing::Test {
 protected:
  JournalSettings settings() const {
    JournalSettings out = newBlocksOnly();
    out.directory = dir.path() / "journal";
    return out;
  }
  journal_test::TempDir dir;
};

TEST_F(JournalDirectoryTest, ACleanStopLeavesNoCrashHoleAndOffsetsContinue) {
  {
    auto journal = openJournal(settings());
    EXPECT_EQ(journal->record(v1::EVENT_TYPE_NEW_BLOCK, bytes("a")), 1u);
    EXPECT_EQ(journal->record(v1::EVENT_TYPE_NEW_BLOCK, bytes("b")), 2u);
  }  // the destructor stops cleanly
  EXPECT_EQ(
      std::filesystem::status(dir.path() / "journal").permissions() & std::filesystem::perms::all,
      std::filesystem::perms::owner_all);
  auto journal = openJournal(settings());
  EXPECT_FALSE(journal->status().crashHole.has_value());
  EXPECT_EQ(journal->record(v1::EVENT_TYPE_NEW_BLOCK, bytes("c")), 3u);
}

TEST_F(JournalDirectoryTest, ARunThatEndsWithoutACleanStopLeavesACrashHoleAndNoReuse) {
  std::uint64_t reserved = 0;
  {
    // A run killed after its reservation and one write: the store alone, no clean stop.
    std::filesystem::create_directories(dir.path() / "journal");
    auto store = makeSqliteJournal(dir.path() / "journal" / "journal.sqlite");
    auto allocator = OffsetAllocator::open(*store, 4);
    ASSERT_TRUE(allocator);
    JournalBatch batch;
    batch.events.push_back(journal_test::eventAt(*allocator->allocate()));
    ASSERT_TRUE(store->append(batch));
    reserved = allocator->reserved();
  }
  auto journal = openJournal(settings());
  const JournalStatus status = journal->status();
  ASSERT_TRUE(status.crashHole.has_value());
  EXPECT_EQ(*status.crashHole, (Hole{2, reserved, Hole::Reason::Crash}));
  EXPECT_EQ(journal->record(v1::EVENT_TYPE_NEW_BLOCK, bytes("next")), reserved + 1);
}

// After a crash, the delivered marks the store holds may be behind what the run sent: every
// stored event above a cursor counts as delivered, so a durable catch-up flags it redelivered.
TEST_F(JournalDirectoryTest, AfterACrashEveryStoredEventCountsAsDelivered) {
  {
    std::filesystem::create_directories(dir.path() / "journal");
    auto store = makeSqliteJournal(dir.path() / "journal" / "journal.sqlite");
    auto allocator = OffsetAllocator::open(*store, 16);
    ASSERT_TRUE(allocator);
    JournalBatch batch;
    for (int i = 0; i < 5; ++i)
      batch.events.push_back(journal_test::eventAt(*allocator->allocate()));
    Cursor cursor;
    cursor.moduleId = "d";
    cursor.cursor = 2;
    cursor.deliveredThrough = 3;
    batch.cursors.push_back(cursor);
    ASSERT_TRUE(store->append(batch));
  }
  auto journal = openJournal(settings());
  ASSERT_TRUE(journal->status().crashHole.has_value());
  const auto cursor = journal->cursor("d");
  ASSERT_TRUE(cursor.has_value());
  EXPECT_EQ(cursor->cursor, 2u) << "the cursor itself stays where it was";
  EXPECT_EQ(cursor->deliveredThrough, 5u) << "the last stored offset";
  journal.reset();                       // a clean stop
  auto again = openJournal(settings());  // marks as they were saved
  EXPECT_FALSE(again->status().crashHole.has_value());
  EXPECT_EQ(again->cursor("d")->deliveredThrough, 3u);
}

TEST_F(JournalDirectoryTest, ASecondNodeOnTheSameJournalIsRefusedWithItsPid) {
  auto first = openJournal(settings());
  try {
    auto second = openJournal(settings());
    FAIL() << "a second journal on the same directory was opened";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("in use by another plexus-node (pid " +
                                         std::to_string(::getpid()) + ")"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(JournalDirectoryTest, ADirectoryThatCannotBeCreatedIsAClearError) {
  JournalSettings bad = settings();
  std::ofstream(dir.path() / "file") << "x";
  bad.directory = dir.path() / "file" / "journal";
  try {
    openJournal(bad);
    FAIL() << "opened a journal under a regular file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be created"), std::string::npos) << e.what();
  }
}

// journal.lock cannot be opened (here it is a directory, which open() refuses whoever runs the
// test): the error names the lock file, and nothing is opened.
TEST_F(JournalDirectoryTest, ALockFileThatCannotBeOpenedIsAClearError) {
  const auto lockPath = dir.path() / "journal" / "journal.lock";
  std::filesystem::create_directories(lockPath);
  try {
    openJournal(settings());
    FAIL() << "opened a journal whose lock file is a directory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("journal lock " + lockPath.string() + " cannot be opened"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "journal" / "journal.sqlite"));
}

}  // namespace
}  // namespace plexus::host
