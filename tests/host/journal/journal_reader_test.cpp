// A reader of its own (JournalReader over makeSqliteJournalReader): a read of offsets the
// journal thread committed is served while that thread is stuck in a group commit (a catch-up
// under saturation no longer waits a group per read); a catch-up read that reaches past what is
// committed stops there (mayStopAtCommitted) and the rest waits for the journal thread; reads
// without the flag that reach past it are served by the journal thread as before; the reader's
// connection refuses a file that is not a journal.

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>

#include "fakes/failing_journal.h"
#include "journal/journal.h"
#include "journal/journal_test_support.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;
using journal_test::bodyFor;
using journal_test::TempDir;

class JournalReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto path = dir.path() / "journal.sqlite";
    auto store = std::make_unique<FailingJournal>(makeSqliteJournal(path));
    held = store.get();
    JournalSettings settings;
    settings.directory = dir.path();
    settings.types.set(static_cast<std::size_t>(v1::EVENT_TYPE_NEW_BLOCK));
    journal =
        std::make_unique<Journal>(std::move(store), settings, -1, makeSqliteJournalReader(path));
  }
  void TearDown() override {
    held->hold(false);
    journal->stop();
  }

  void publish(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint64_t next = journal->lastOffset() + 1;
      ASSERT_EQ(journal->record(v1::EVENT_TYPE_NEW_BLOCK, ipc::SharedBytes::copyOf(bodyFor(next))),
                next);
    }
  }

  // Serves the journal's notices and reads, as the loop would, until `done` holds or 5 s passed.
  bool waitFor(const std::function<bool()>& done) {
    return journal_test::serveJournalUntil(*journal, done, true);
  }

  void read(std::uint64_t from, std::uint64_t to, bool mayStop, std::optional<ReadResult>& into) {
    ReadRequest request;
    request.from = from;
    request.to = to;
    request.maxEvents = 1000;
    request.mayStopAtCommitted = mayStop;
    journal->requestRead(std::move(request), [&into](ReadResult& result) { into = result; });
  }

  // Commits `count` events, then holds the journal thread inside the commit of `stuck` more.
  void commitThenHold(std::size_t count, std::size_t stuck) {
    publish(count);
    ASSERT_TRUE(waitFor([&] { return journal->status().last.committedThrough >= count; }));
    held->hold(true);
    publish(stuck);
    ASSERT_TRUE(held->waitUntilHolding(5000ms));
  }

  TempDir dir;
  FailingJournal* held = nullptr;
  std::unique_ptr<Journal> journal;
};

TEST_F(JournalReaderTest, ACatchUpReadOfCommittedEventsIsServedWhileTheJournalThreadIsStuck) {
  commitThenHold(100, 10);
  std::optional<ReadResult> catchUp;
  std::optional<ReadResult> whole;
  read(1, journal->lastOffset(), true, catchUp);
  read(1, journal->lastOffset(), false, whole);
  ASSERT_TRUE(waitFor([&] { return catchUp.has_value(); }))
      << "the read waited for the journal thread's commit";
  ASSERT_TRUE(catchUp->ok) << catchUp->error;
  ASSERT_EQ(catchUp->events.size(), 100u);
  EXPECT_EQ(catchUp->events.front().body, bodyFor(1));
  EXPECT_EQ(catchUp->events.back().offset, 100u);
  EXPECT_EQ(catchUp->reachedThrough, 100u) << "stops at what is committed";
  EXPECT_TRUE(catchUp->holes.empty());
  // The journal thread is still stuck: the read that wants everything cannot have been served.
  EXPECT_FALSE(whole.has_value());

  held->hold(false);
  ASSERT_TRUE(waitFor([&] { return whole.has_value(); }));
  ASSERT_TRUE(whole->ok) << whole->error;
  EXPECT_EQ(whole->events.size(), 110u);
  EXPECT_EQ(whole->reachedThrough, 110u);
}

TEST_F(JournalReaderTest, AnyReadWithinWhatIsCommittedIsServedWhileTheJournalThreadIsStuck) {
  commitThenHold(50, 5);
  std::optional<ReadResult> within;
  read(11, 20, false, within);
  ASSERT_TRUE(waitFor([&] { return within.has_value(); }));
  ASSERT_TRUE(within->ok) << within->error;
  ASSERT_EQ(within->events.size(), 10u);
  EXPECT_EQ(within->events.front().offset, 11u);
  EXPECT_EQ(within->events.front().body, bodyFor(11));
  EXPECT_EQ(within->reachedThrough, 20u);
  EXPECT_EQ(within->firstOffset, 1u);
}

TEST_F(JournalReaderTest, ACatchUpReadFromBeyondWhatIsCommittedWaitsForTheCommit) {
  commitThenHold(20, 5);
  std::optional<ReadResult> beyond;
  read(21, journal->lastOffset(), true, beyond);
  std::optional<ReadResult> probe;  // served by the reader: proves the loop polled meanwhile
  read(1, 20, false, probe);
  ASSERT_TRUE(waitFor([&] { return probe.has_value(); }));
  EXPECT_FALSE(beyond.has_value()) << "nothing from offset 21 is committed yet";
  held->hold(false);
  ASSERT_TRUE(waitFor([&] { return beyond.has_value(); }));
  ASSERT_TRUE(beyond->ok) << beyond->error;
  EXPECT_EQ(beyond->events.size(), 5u);
  EXPECT_EQ(beyond->reachedThrough, 25u);
}

TEST(JournalReaderOpenTest, AFileThatIsNotAJournalIsRefusedNamingIt) {
  TempDir dir;
  const auto path = dir.path() / "notes.sqlite";
  std::ofstream(path) << "not a database at all, just some text that is long enough";
  try {
    makeSqliteJournalReader(path);
    FAIL() << "opened a file that is not a journal";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  EXPECT_THROW(makeSqliteJournalReader(dir.path() / "missing.sqlite"), std::runtime_error);
}

}  // namespace
}  // namespace plexus::host
