#include "journal_snapshot.h"

#include <gtest/gtest.h>
#include <plexus/v1/events.pb.h>
#include <sqlite3.h>

#include <algorithm>
#include <limits>

#include "journal/journal_store.h"

namespace plexus::test {

namespace {

std::string integrityOf(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  std::string result;
  if (::sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    result = std::string("cannot open: ") + ::sqlite3_errmsg(db);
  } else {
    sqlite3_stmt* statement = nullptr;
    if (::sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &statement, nullptr) != SQLITE_OK) {
      result = std::string("cannot check: ") + ::sqlite3_errmsg(db);
    }
    while (statement != nullptr && ::sqlite3_step(statement) == SQLITE_ROW) {
      const auto* text = ::sqlite3_column_text(statement, 0);
      result += (result.empty() ? "" : "; ") + std::string(reinterpret_cast<const char*>(text));
    }
    ::sqlite3_finalize(statement);
  }
  ::sqlite3_close(db);
  return result;
}

}  // namespace

std::optional<host::Cursor> JournalSnapshot::cursor(const std::string& moduleId) const {
  for (const auto& cursor : cursors) {
    if (cursor.moduleId == moduleId) return cursor;
  }
  return std::nullopt;
}

bool JournalSnapshot::holeBetween(std::uint64_t after, std::uint64_t before) const {
  return std::any_of(holes.begin(), holes.end(), [&](const host::Hole& hole) {
    return hole.last > after && hole.first < before;
  });
}

std::vector<std::uint64_t> JournalSnapshot::offsetsOf(std::int32_t type,
                                                      std::uint64_t after) const {
  std::vector<std::uint64_t> out;
  for (const auto& event : events) {
    if (event.type == type && event.offset > after) out.push_back(event.offset);
  }
  return out;
}

JournalSnapshot readJournalSnapshot(const std::filesystem::path& file) {
  JournalSnapshot out;
  {
    auto store = host::makeSqliteJournal(file);
    constexpr auto kAll = std::numeric_limits<std::uint64_t>::max();
    auto events = store->read(1, kAll, std::numeric_limits<std::size_t>::max());
    auto holes = store->holes(1, kAll);
    auto cursors = store->listCursors();
    EXPECT_TRUE(events.ok() && holes.ok() && cursors.ok()) << "reading " << file;
    if (events.ok()) out.events = std::move(*events);
    if (holes.ok()) out.holes = std::move(*holes);
    if (cursors.ok()) out.cursors = std::move(*cursors);
    out.lastOffset = store->lastOffset();
    out.reservedThrough = store->reservedThrough();
  }
  out.integrity = integrityOf(file);
  return out;
}

void expectConsistentJournal(const JournalSnapshot& journal) {
  EXPECT_EQ(journal.integrity, "ok");
  std::uint64_t highest = 0;
  for (std::size_t i = 0; i < journal.events.size(); ++i) {
    const host::JournalEvent& row = journal.events[i];
    ASSERT_GT(row.offset, highest) << "offsets not strictly increasing at row " << i;
    highest = row.offset;
    v1::Event event;
    ASSERT_TRUE(event.ParseFromString(row.body)) << "torn body at offset " << row.offset;
    ASSERT_EQ(static_cast<std::int32_t>(event.type()), row.type) << "offset " << row.offset;
    ASSERT_EQ(static_cast<int>(event.payload_case()), 100 + row.type)
        << "offset " << row.offset << ": the payload is not its type's";
  }
  // Walk events and holes together: every offset 1..lastOffset exactly once.
  std::uint64_t next = 1;
  std::size_t e = 0;
  for (std::size_t h = 0; h <= journal.holes.size(); ++h) {
    const std::uint64_t holeFirst =
        h < journal.holes.size() ? journal.holes[h].first : journal.lastOffset + 1;
    for (; e < journal.events.size() && journal.events[e].offset < holeFirst; ++e) {
      ASSERT_EQ(journal.events[e].offset, next)
          << "offsets " << next << ".." << journal.events[e].offset - 1
          << " are neither events nor in a recorded hole";
      ++next;
    }
    if (h == journal.holes.size()) break;
    const host::Hole& hole = journal.holes[h];
    ASSERT_LE(hole.first, hole.last);
    ASSERT_EQ(hole.first, next) << "hole " << hole.first << ".." << hole.last
                                << " overlaps or leaves offsets unaccounted for from " << next;
    next = hole.last + 1;
    highest = std::max(highest, hole.last);
  }
  EXPECT_EQ(e, journal.events.size());
  EXPECT_EQ(next, journal.lastOffset + 1) << "offsets above the last one written";
  EXPECT_EQ(highest, journal.lastOffset);
  EXPECT_GE(journal.reservedThrough, journal.lastOffset);
  for (const auto& cursor : journal.cursors) {
    EXPECT_LE(cursor.cursor, cursor.deliveredThrough) << cursor.moduleId;
    EXPECT_LE(cursor.cursor, journal.lastOffset)
        << cursor.moduleId << ": acked beyond the last durable offset";
    EXPECT_LE(cursor.deliveredThrough, journal.lastOffset)
        << cursor.moduleId << ": its delivered mark is beyond the last durable offset";
  }
}

}  // namespace plexus::test
