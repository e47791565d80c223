// JournalWriter cursors: saveCursor() keeps the latest per module id and never wakes the thread
// by itself: the cursor rides with the next group, or goes in a group of its own at the next
// tick when nothing else is queued; forgetCursor() deletes (and drops a pending save); a
// cursor of a failed group lands with the next one; stop() and stopClean() write what is
// pending (a real SQLite journal reopened holds the latest cursors).

#include <gtest/gtest.h>

#include <chrono>

#include "journal/journal_test_support.h"
#include "journal/journal_writer_probe.h"

namespace plexus::host {
namespace {

using journal_test::eventAt;
using journal_test::TempDir;
using namespace std::chrono_literals;

class JournalWriterCursorTest : public journal_test::WriterProbeTest {
 protected:
  // The cursors each written batch carried, by module id and cursor value.
  std::vector<std::vector<std::pair<std::string, std::uint64_t>>> writtenCursors() {
    std::vector<std::vector<std::pair<std::string, std::uint64_t>>> out;
    for (const auto& seen : probe->batches()) {
      if (!seen.written) continue;
      out.emplace_back();
      for (const Cursor& cursor : seen.batch.cursors)
        out.back().emplace_back(cursor.moduleId, cursor.cursor);
    }
    return out;
  }
};

Cursor cursorOf(const std::string& moduleId, std::uint64_t at, std::uint64_t delivered = 0) {
  return Cursor{moduleId, at, {}, static_cast<std::int64_t>(at) * 10, delivered};
}

TEST_F(JournalWriterCursorTest, TheLatestSaveRidesWithTheNextGroup) {
  JournalWriterOptions options;
  options.trimInterval = 1h;  // no tick during the test: only a group can carry the cursors
  start(options);
  writer->saveCursor(cursorOf("alpha", 1, 3));
  writer->saveCursor(cursorOf("beta", 2));
  writer->saveCursor(cursorOf("alpha", 5, 9));  // replaces the pending one
  ASSERT_TRUE(writer->tryAppend(eventAt(1)));
  ASSERT_TRUE(waitForNotice([](const CommitNotice& n) { return n.committedThrough == 1; }));
  writer->stop();
  EXPECT_EQ(writtenCursors(), (std::vector<std::vector<std::pair<std::string, std::uint64_t>>>{
                                  {{"alpha", 5}, {"beta", 2}}}));
  EXPECT_EQ(failing->groupSizes(), (std::vector<std::size_t>{1}));
  EXPECT_EQ(storedCursor("alpha"), cursorOf("alpha", 5, 9));
  EXPECT_EQ(storedCursor("beta"), cursorOf("beta", 2));
}

TEST_F(JournalWriterCursorTest, WithNothingElseQueuedCursorsGoAtTheNextTick) {
  JournalWriterOptions options;
  options.trimInterval = 20ms;
  start(options);
  writer->saveCursor(cursorOf("alpha", 7, 8));
  ASSERT_TRUE(waitForNotice([](const CommitNotice& n) { return n.groups >= 1; }));
  EXPECT_TRUE(seenNotices.back().ok);
  EXPECT_EQ(seenNotices.back().committedThrough, 0u);  // a group of cursors alone
  writer->saveCursor(cursorOf("alpha", 9, 9));
  ASSERT_TRUE(waitForNotice([](const CommitNotice& n) { return n.groups >= 2; }));
  writer->stop();
  EXPECT_EQ(writtenCursors(), (std::vector<std::vector<std::pair<std::string, std::uint64_t>>>{
                                  {{"alpha", 7}}, {{"alpha", 9}}}));
  EXPECT_EQ(storedCursor("alpha"), cursorOf("alpha", 9, 9));
}

TEST_F(JournalWriterCursorTest, ForgetDeletesTheStoredCursorAndDropsAPendingSave) {
  JournalWriterOptions options;
  options.trimInterval = 1h;
  start(options, [](JournalStore& store) {
    ASSERT_TRUE(store.putCursor(cursorOf("old", 3)).ok());
    ASSERT_TRUE(store.putCursor(cursorOf("kept", 4)).ok());
  });
  writer->forgetCursor("old");
  writer->saveCursor(cursorOf("brief", 1));
  writer->forgetCursor("brief");  // drops the pending save, deletes nothing stored
  writer->forgetCursor("back");   // superseded by the save that follows
  writer->saveCursor(cursorOf("back", 2));
  ASSERT_TRUE(writer->tryAppend(eventAt(1)));
  ASSERT_TRUE(waitForNotice([](const CommitNotice& n) { return n.committedThrough == 1; }));
  writer->stop();
  const auto batches = probe->batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].batch.forgetCursors, (std::vector<std::string>{"brief", "old"}));
  EXPECT_EQ(storedCursor("old"), std::nullopt);
  EXPECT_EQ(storedCursor("brief"), std::nullopt);
  EXPECT_EQ(storedCursor("back"), cursorOf("back", 2));
  EXPECT_EQ(storedCursor("kept"), cursorOf("kept", 4));
}

TEST_F(JournalWriterCursorTest, CursorsOfAFailedGroupLandWithTheNextOne) {
  JournalWriterOptions options;
  options.trimInterval = 1h;
  start(options,
        [](JournalStore& store) { ASSERT_TRUE(store.putCursor(cursorOf("gone", 1)).ok()); });
  writer->saveCursor(cursorOf("alpha", 1));
  writer->saveCursor(cursorOf("beta", 1));
  writer->forgetCursor("gone");
  failing->setFull(true);
  ASSERT_TRUE(writer->tryAppend(eventAt(1)));
  ASSERT_TRUE(waitForNotice([](const CommitNotice& n) { return n.failures >= 1; }));
  writer->saveCursor(cursorOf("beta", 2));  // newer than the failed group's
  failing->setFull(false);
  ASSERT_TRUE(writer->tryAppend(eventAt(2)));
  ASSERT_TRUE(waitForNotice([](const CommitNotice& n) { return n.ok && n.committedThrough == 2; }));
  writer->stop();
  EXPECT_EQ(writtenCursors(), (std::vector<std::vector<std::pair<std::string, std::uint64_t>>>{
                                  {{"alpha", 1}, {"beta", 2}}}));
  EXPECT_EQ(storedCursor("alpha"), cursorOf("alpha", 1));
  EXPECT_EQ(storedCursor("beta"), cursorOf("beta", 2));
  EXPECT_EQ(storedCursor("gone"), std::nullopt);
  auto holes = failing->inner().holes(1, 10);
  ASSERT_TRUE(holes.ok());
  EXPECT_EQ(*holes, (std::vector<Hole>{Hole{1, 1, Hole::Reason::WriteFailed}}));
}

TEST_F(JournalWriterCursorTest, StopWritesPendingCursorsAndForgets) {
  JournalWriterOptions options;
  options.trimInterval = 1h;
  start(options,
        [](JournalStore& store) { ASSERT_TRUE(store.putCursor(cursorOf("gone", 1)).ok()); });
  writer->saveCursor(cursorOf("alpha", 6, 7));
  writer->forgetCursor("gone");
  writer->stop();
  EXPECT_EQ(storedCursor("alpha"), cursorOf("alpha", 6, 7));
  EXPECT_EQ(storedCursor("gone"), std::nullopt);
  writer->saveCursor(cursorOf("late", 1));  // after stop(): ignored
  EXPECT_EQ(storedCursor("late"), std::nullopt);
}

TEST(JournalWriterCursorSqliteTest, AStopCleanPersistsTheLatestCursors) {
  TempDir dir;
  const auto path = dir.file("journal.db");
  JournalWriter::Notices notices;
  ReadResults reads;
  {
    JournalWriterOptions options;
    options.trimInterval = 1h;
    JournalWriter writer(makeSqliteJournal(path), notices, options, &reads);
    writer.requestReservation(100);
    ASSERT_TRUE(writer.tryAppend(eventAt(1)));
    writer.saveCursor(cursorOf("alpha", 1, 1));
    writer.saveCursor(cursorOf("alpha", 1, 5));
    writer.saveCursor(cursorOf("beta", 0, 1));
    writer.stopClean(1);
  }
  auto store = makeSqliteJournal(path);
  auto cursors = store->listCursors();
  ASSERT_TRUE(cursors.ok());
  EXPECT_EQ(*cursors, (std::vector<Cursor>{cursorOf("alpha", 1, 5), cursorOf("beta", 0, 1)}));
  EXPECT_EQ(store->reservedThrough(), 1u);  // the clean stop shrank the reservation
}

}  // namespace
}  // namespace plexus::host
