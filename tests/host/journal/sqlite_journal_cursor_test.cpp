// Cursors in the store (schema v2): deliveredThrough round-trips; a version 1 file (the schema
// every journal had before) is migrated at open, its cursors read back with deliveredThrough 0;
// a batch's forgetCursors deletes cursors in the same transaction, after its cursor puts, in the
// SQLite store and in the in-memory fake alike.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>

#include "fakes/memory_journal.h"
#include "journal/journal_store.h"
#include "journal/journal_test_support.h"
#include "journal/sqlite_journal.h"

namespace plexus::host {
namespace {

using journal_test::eventAt;
using journal_test::TempDir;

// The schema every journal had at version 1, as stage 1 created it.
constexpr const char* kVersion1Schema = R"sql(
CREATE TABLE events (offset INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL,
                     type INTEGER NOT NULL, body BLOB NOT NULL);
CREATE TABLE holes (first INTEGER NOT NULL, last INTEGER NOT NULL, reason INTEGER NOT NULL);
CREATE INDEX holes_by_first ON holes (first);
CREATE TABLE cursors (module_id TEXT PRIMARY KEY, cursor INTEGER NOT NULL,
                      acked_above BLOB NOT NULL, updated_ns INTEGER NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
)sql";

void runSql(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  const std::string why = message != nullptr ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << why;
}

std::string queryText(const std::filesystem::path& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  std::string value;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr)
    value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

// A version 1 journal with one event (offset 1), a cursor "old" at 1 with the range [3, 4]
// acked above it, and a reservation of 4096.
void makeVersion1Journal(const std::filesystem::path& path) {
  const std::string event = eventAt(1).body;
  runSql(path, std::string("BEGIN;") + kVersion1Schema +
                   "PRAGMA application_id = " + std::to_string(kJournalApplicationId) +
                   "; PRAGMA user_version = 1;"
                   "INSERT INTO events VALUES (1, 1000, 1, CAST('" +
                   event +
                   "' AS BLOB));"
                   // [3, 4] as two little-endian uint64.
                   "INSERT INTO cursors VALUES ('old', 1, "
                   "X'03000000000000000400000000000000', 77);"
                   "INSERT INTO meta VALUES ('reserved_through', 4096);"
                   "INSERT INTO meta VALUES ('last_offset', 1);"
                   "COMMIT;");
}

TEST(SqliteJournalCursorTest, AVersion1FileIsMigratedAndKeepsItsCursorsAndEvents) {
  TempDir dir;
  const auto path = dir.file("journal.db");
  makeVersion1Journal(path);
  ASSERT_EQ(queryText(path, "PRAGMA user_version"), "1");
  {
    auto store = makeSqliteJournal(path);
    auto old = store->getCursor("old");
    ASSERT_TRUE(old.ok());
    ASSERT_TRUE(old->has_value());
    EXPECT_EQ(**old, (Cursor{"old", 1, {{3, 4}}, 77, 0}));
    auto events = store->read(1, 10, 10);
    ASSERT_TRUE(events.ok());
    EXPECT_EQ(*events, (std::vector<JournalEvent>{eventAt(1)}));
    EXPECT_EQ(store->reservedThrough(), 4096u);
    EXPECT_EQ(store->lastOffset(), 1u);
    // A new cursor keeps its deliveredThrough, and so does an update of the migrated one.
    JournalBatch batch;
    batch.events = {eventAt(2)};
    batch.cursors = {Cursor{"new", 2, {}, 88, 9}, Cursor{"old", 2, {}, 99, 7}};
    ASSERT_TRUE(store->append(batch).ok());
  }
  EXPECT_EQ(queryText(path, "PRAGMA user_version"), std::to_string(kJournalSchemaVersion));
  EXPECT_EQ(kJournalSchemaVersion, 2);
  auto store = makeSqliteJournal(path);  // a version 2 file opens as it is
  auto cursors = store->listCursors();
  ASSERT_TRUE(cursors.ok());
  EXPECT_EQ(*cursors,
            (std::vector<Cursor>{Cursor{"new", 2, {}, 88, 9}, Cursor{"old", 2, {}, 99, 7}}));
}

TEST(SqliteJournalCursorTest, ANewFileHasTheDeliveredColumn) {
  TempDir dir;
  const auto path = dir.file("journal.db");
  {
    auto store = makeSqliteJournal(path);
    ASSERT_TRUE(store->putCursor(Cursor{"mod", 5, {{7, 9}}, 11, 12}).ok());
  }
  EXPECT_EQ(queryText(path, "SELECT delivered FROM cursors WHERE module_id = 'mod'"), "12");
  auto store = makeSqliteJournal(path);
  auto cursor = store->getCursor("mod");
  ASSERT_TRUE(cursor.ok());
  ASSERT_TRUE(cursor->has_value());
  EXPECT_EQ((*cursor)->deliveredThrough, 12u);
}

class CursorBatchTest : public ::testing::TestWithParam<bool> {
 protected:
  CursorBatchTest()
      : store(GetParam() ? makeSqliteJournal(dir.file("journal.db"))
                         : std::unique_ptr<JournalStore>(std::make_unique<MemoryJournal>())) {}

  std::vector<std::string> ids() {
    auto cursors = store->listCursors();
    EXPECT_TRUE(cursors.ok());
    std::vector<std::string> out;
    for (const Cursor& cursor : *cursors)
      out.push_back(cursor.moduleId);
    return out;
  }

  TempDir dir;
  std::unique_ptr<JournalStore> store;
};

TEST_P(CursorBatchTest, ForgetCursorsDeletesInTheSameTransactionAfterThePuts) {
  ASSERT_TRUE(store->putCursor(Cursor{"gone", 1, {}, 1, 1}).ok());
  ASSERT_TRUE(store->putCursor(Cursor{"kept", 1, {}, 1, 1}).ok());
  JournalBatch batch;
  batch.events = {eventAt(1)};
  batch.cursors = {Cursor{"alpha", 1, {}, 2, 3}, Cursor{"beta", 1, {}, 2, 3}};
  batch.forgetCursors = {"beta", "gone", "never-stored"};
  ASSERT_TRUE(store->append(batch).ok());
  EXPECT_EQ(ids(), (std::vector<std::string>{"alpha", "kept"}));
  auto alpha = store->getCursor("alpha");
  ASSERT_TRUE(alpha.ok());
  ASSERT_TRUE(alpha->has_value());
  EXPECT_EQ((*alpha)->deliveredThrough, 3u);

  // A batch of forgets alone is a transaction too.
  JournalBatch forgets;
  forgets.forgetCursors = {"alpha"};
  ASSERT_TRUE(store->append(forgets).ok());
  EXPECT_EQ(ids(), (std::vector<std::string>{"kept"}));
  EXPECT_EQ(store->lastOffset(), 1u);
}

TEST_P(CursorBatchTest, ARefusedBatchForgetsNothing) {
  ASSERT_TRUE(store->putCursor(Cursor{"kept", 1, {}, 1, 1}).ok());
  JournalBatch batch;
  batch.events = {eventAt(0)};  // offset 0: refused
  batch.forgetCursors = {"kept"};
  EXPECT_FALSE(store->append(batch).ok());
  EXPECT_EQ(ids(), (std::vector<std::string>{"kept"}));
}

INSTANTIATE_TEST_SUITE_P(Stores, CursorBatchTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return std::string(info.param ? "Sqlite" : "Memory");
                         });

}  // namespace
}  // namespace plexus::host
