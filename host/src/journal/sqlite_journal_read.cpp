// SqliteJournal: reads - events by range and type, holes, cursors, statistics. Every SELECT is
// reset when done, so no read transaction stays open (it would hold back WAL checkpoints).

#include <algorithm>
#include <limits>

#include "journal/sqlite_journal.h"

namespace plexus::host {

namespace {

// Resets a statement when the read ends, however it ends.
class ResetAtEnd {
 public:
  explicit ResetAtEnd(Statement& statement) : m_statement(statement) {}
  ~ResetAtEnd() { m_statement.reset(); }
  ResetAtEnd(const ResetAtEnd&) = delete;
  ResetAtEnd& operator=(const ResetAtEnd&) = delete;

 private:
  Statement& m_statement;
};

// SQLite integers are signed: an open upper bound (UINT64_MAX) must not wrap to -1.
std::uint64_t clampOffset(std::uint64_t offset) {
  return std::min<std::uint64_t>(offset, std::numeric_limits<std::int64_t>::max());
}

}  // namespace

Result<std::vector<JournalEvent>> readEventRows(sqlite3* db, Statement& events, std::uint64_t from,
                                                std::uint64_t to, std::size_t maxEvents,
                                                const std::vector<std::int32_t>& types) {
  std::vector<JournalEvent> out;
  if (maxEvents == 0 || from > to) return out;
  ResetAtEnd done(events);
  events.reset().bindU(1, clampOffset(from)).bindU(2, clampOffset(to));
  int rc = SQLITE_ROW;
  while (out.size() < maxEvents && (rc = events.step()) == SQLITE_ROW) {
    const auto type = static_cast<std::int32_t>(events.columnInt(2));
    if (!types.empty() && std::find(types.begin(), types.end(), type) == types.end()) continue;
    out.push_back(JournalEvent{events.columnU(0), events.columnInt(1), type, events.columnBlob(3)});
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sqliteFailure(db, "read events", rc);
  return out;
}

Result<std::vector<Hole>> readHoleRows(sqlite3* db, Statement& holes, std::uint64_t from,
                                       std::uint64_t to) {
  std::vector<Hole> out;
  if (from > to) return out;
  ResetAtEnd done(holes);
  holes.reset().bindU(1, clampOffset(from)).bindU(2, clampOffset(to));
  int rc = SQLITE_ROW;
  while ((rc = holes.step()) == SQLITE_ROW)
    out.push_back(
        Hole{holes.columnU(0), holes.columnU(1), static_cast<Hole::Reason>(holes.columnInt(2))});
  if (rc != SQLITE_DONE) return sqliteFailure(db, "read holes", rc);
  return out;
}

Result<std::uint64_t> readOffsetAtTime(sqlite3* db, Statement& offsetAtTime, std::int64_t timeNs) {
  // No index on time_ns: this walks the events in offset order until the first match (a full
  // scan when none). Fine for an operator's occasional `journal read --since`.
  ResetAtEnd done(offsetAtTime);
  const int rc = offsetAtTime.reset().bind(1, timeNs).step();
  if (rc == SQLITE_DONE) return std::uint64_t{0};
  if (rc != SQLITE_ROW) return sqliteFailure(db, "find an event by time", rc);
  return offsetAtTime.columnU(0);
}

Result<std::vector<JournalEvent>> SqliteJournal::read(std::uint64_t from, std::uint64_t to,
                                                      std::size_t maxEvents,
                                                      const std::vector<std::int32_t>& types) {
  return readEventRows(m_db, m_readEvents, from, to, maxEvents, types);
}

Result<std::vector<Hole>> SqliteJournal::holes(std::uint64_t from, std::uint64_t to) {
  return readHoleRows(m_db, m_readHoles, from, to);
}

Result<std::uint64_t> SqliteJournal::offsetAtOrAfter(std::int64_t timeNs) {
  return readOffsetAtTime(m_db, m_offsetAtTime, timeNs);
}

Cursor SqliteJournal::cursorRow(Statement& statement) const {
  Cursor cursor;
  cursor.moduleId = statement.columnText(0);
  cursor.cursor = statement.columnU(1);
  decodeRanges(statement.columnBlob(2), cursor);
  cursor.updatedNs = statement.columnInt(3);
  cursor.deliveredThrough = statement.columnU(4);
  return cursor;
}

Result<std::optional<Cursor>> SqliteJournal::getCursor(const std::string& moduleId) {
  ResetAtEnd done(m_getCursor);
  const int rc = m_getCursor.reset().bindText(1, moduleId).step();
  if (rc == SQLITE_DONE) return std::optional<Cursor>{};
  if (rc != SQLITE_ROW) return failure("read a cursor", rc);
  return std::optional<Cursor>{cursorRow(m_getCursor)};
}

Result<std::vector<Cursor>> SqliteJournal::listCursors() {
  std::vector<Cursor> out;
  ResetAtEnd done(m_listCursors);
  m_listCursors.reset();
  int rc = SQLITE_ROW;
  while ((rc = m_listCursors.step()) == SQLITE_ROW)
    out.push_back(cursorRow(m_listCursors));
  if (rc != SQLITE_DONE) return failure("list cursors", rc);
  return out;
}

Result<JournalStats> SqliteJournal::stats() {
  JournalStats stats;
  stats.firstOffset = m_firstOffset;
  stats.lastOffset = m_lastOffset;
  stats.events = m_events;
  stats.bytes = m_bytes;
  stats.failures = m_failures;
  stats.reservedThrough = m_reserved;
  if (m_firstOffset != 0) {
    ResetAtEnd done(m_eventTime);
    const int rc = m_eventTime.reset().bindU(1, m_firstOffset).step();
    if (rc != SQLITE_ROW) return failure("read the oldest event", rc);
    stats.oldestTimeNs = m_eventTime.columnInt(0);
  }
  ResetAtEnd done(m_holeTotals);
  const int rc = m_holeTotals.reset().step();
  if (rc != SQLITE_ROW) return failure("count holes", rc);
  stats.holes = m_holeTotals.columnU(0);
  stats.holeOffsets = m_holeTotals.columnU(1);
  return stats;
}

}  // namespace plexus::host
