// The SQLite store's own rules: what is committed survives a reopen; a file that is not a
// Plexus journal (not SQLite, another application's, a newer schema) is refused at open with a
// clear error and left byte for byte as it was; a full disk (max_page_count) fails writes as
// storage failures, and writes succeed again once there is room.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "journal/journal_store.h"
#include "journal/journal_test_support.h"

namespace plexus::host {
namespace {

using journal_test::eventAt;
using journal_test::TempDir;

std::string readAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The message makeSqliteJournal throws for `path` (empty when it opened).
std::string openError(const std::filesystem::path& path) {
  try {
    makeSqliteJournal(path);
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return {};
}

void makeSqliteFile(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

TEST(SqliteJournalTest, ReopenKeepsEventsHolesCursorsAndTheReservation) {
  TempDir dir;
  const auto path = dir.file("journal.db");
  {
    auto store = makeSqliteJournal(path);
    JournalBatch batch;
    batch.events = {eventAt(1), eventAt(2, 7), eventAt(5)};
    batch.holes = {Hole{3, 4, Hole::Reason::Overflow}};
    batch.cursors = {Cursor{"mod", 2, {{5, 5}}, 99}};
    batch.reservedThrough = 8192;
    ASSERT_TRUE(store->append(batch).ok());
  }
  auto store = makeSqliteJournal(path, SqliteOptions{SqliteOptions::Sync::Full, 0});
  EXPECT_EQ(store->lastOffset(), 5u);
  EXPECT_EQ(store->reservedThrough(), 8192u);
  auto events = store->read(1, 10, 10);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(*events, (std::vector<JournalEvent>{eventAt(1), eventAt(2, 7), eventAt(5)}));
  auto holes = store->holes(1, 10);
  ASSERT_TRUE(holes.ok());
  EXPECT_EQ(*holes, (std::vector<Hole>{Hole{3, 4, Hole::Reason::Overflow}}));
  auto cursor = store->getCursor("mod");
  ASSERT_TRUE(cursor.ok());
  ASSERT_TRUE(cursor->has_value());
  EXPECT_EQ(**cursor, (Cursor{"mod", 2, {{5, 5}}, 99}));
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->events, 3u);
  EXPECT_EQ(stats->bytes, 3u * 32);
  EXPECT_EQ(stats->firstOffset, 1u);
}

TEST(SqliteJournalTest, ANonSqliteFileIsRefusedAndLeftAlone) {
  TempDir dir;
  const auto path = dir.file("journal.db");
  std::string content = "these are somebody's notes, not a database\n";
  for (int i = 0; i < 200; ++i)
    content += "line " + std::to_string(i) + "\n";
  std::ofstream(path, std::ios::binary) << content;
  const std::string error = openError(path);
  EXPECT_NE(error.find(path.string()), std::string::npos) << error;
  EXPECT_NE(error.find("not an SQLite database"), std::string::npos) << error;
  EXPECT_EQ(readAll(path), content);
  EXPECT_FALSE(std::filesystem::exists(path.string() + "-wal"));
}

TEST(SqliteJournalTest, AnotherApplicationsDatabaseIsRefusedAndLeftAlone) {
  TempDir dir;
  const auto path = dir.file("journal.db");
  makeSqliteFile(path, "CREATE TABLE mine (x); INSERT INTO mine VALUES (42);");
  const std::string before = readAll(path);
  const std::string error = openError(path);
  EXPECT_NE(error.find("another application"), std::string::npos) << error;
  EXPECT_EQ(readAll(path), before);

  const auto other = dir.file("other.db");
  makeSqliteFile(other, "PRAGMA application_id = 1234; CREATE TABLE t (x);");
  EXPECT_NE(openError(other).find("application_id 1234"), std::string::npos) << openError(other);
}

TEST(SqliteJournalTest, ANewerSchemaIsRefused) {
  TempDir dir;
  const auto path = dir.file("journal.db");
  { makeSqliteJournal(path); }
  makeSqliteFile(path, "PRAGMA user_version = 3;");
  const std::string before = readAll(path);
  const std::string error = openError(path);
  EXPECT_NE(error.find("schema version 3 is newer"), std::string::npos) << error;
  EXPECT_EQ(readAll(path), before);
}

TEST(SqliteJournalTest, ANewFileGetsTheSchemaAndWalMode) {
  TempDir dir;
  const auto path = dir.file("journal.db");
  { makeSqliteJournal(path); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  auto pragma = [&](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
    sqlite3_step(stmt);
    std::string value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return value;
  };
  EXPECT_EQ(pragma("PRAGMA application_id"), std::to_string(0x504C5853));
  EXPECT_EQ(pragma("PRAGMA user_version"), "2");
  EXPECT_EQ(pragma("PRAGMA journal_mode"), "wal");
  sqlite3_close(db);
}

TEST(SqliteJournalTest, AFullDiskFailsWritesAsStorageFailuresAndRecovers) {
  TempDir dir;
  const auto path = dir.file("journal.db");
  auto store = makeSqliteJournal(path, SqliteOptions{SqliteOptions::Sync::Normal, 64});
  std::uint64_t next = 1;
  Status failed;
  for (int group = 0; group < 1000 && failed.ok(); ++group) {
    JournalBatch batch;
    for (int i = 0; i < 20; ++i)
      batch.events.push_back(eventAt(next + i, 1, 0, 400));
    failed = store->append(batch);
    if (failed.ok()) next += 20;
  }
  ASSERT_FALSE(failed.ok()) << "64 pages never filled";
  EXPECT_TRUE(isStorageFailure(failed.error())) << failed.error().message;
  EXPECT_NE(failed.error().message.find("full"), std::string::npos) << failed.error().message;
  auto stats = store->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->failures, 1u);
  EXPECT_EQ(stats->lastOffset, next - 1);  // nothing of the failed group was written
  auto last = store->read(next, next + 100, 100);
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->empty());

  // Trimming frees pages: the same group now fits.
  ASSERT_TRUE(store->trim(Retention{20, 0, 0}, 0).ok());
  JournalBatch retry;
  for (int i = 0; i < 20; ++i)
    retry.events.push_back(eventAt(next + i, 1, 0, 400));
  EXPECT_TRUE(store->append(retry).ok());
  EXPECT_EQ(store->lastOffset(), next + 19);
  next += 20;

  // Full again; reopened with room (max_page_count raised), the same group fits.
  Status full;
  for (int group = 0; group < 1000 && full.ok(); ++group) {
    retry.events.clear();
    for (int i = 0; i < 20; ++i)
      retry.events.push_back(eventAt(next + i, 1, 0, 400));
    full = store->append(retry);
    if (full.ok()) next += 20;
  }
  ASSERT_FALSE(full.ok());
  EXPECT_TRUE(isStorageFailure(full.error()));
  store.reset();
  store = makeSqliteJournal(path, SqliteOptions{SqliteOptions::Sync::Normal, 0});
  EXPECT_EQ(store->lastOffset(), next - 1);
  EXPECT_TRUE(store->append(retry).ok());
}

}  // namespace
}  // namespace plexus::host
