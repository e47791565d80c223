// SqliteJournal: writes - a batch of events, holes, cursors (stored and deleted) and the
// reservation in one transaction; cursors on their own.

#include <algorithm>
#include <cstring>

#include "journal/sqlite_journal.h"

namespace plexus::host {

Status SqliteJournal::append(const JournalBatch& batch) {
  if (const std::string why = checkBatch(batch, m_lastOffset); !why.empty())
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "journal append: " + why);
  int rc = m_begin.reset().step();
  if (rc != SQLITE_DONE) {
    ++m_failures;
    return failure("begin", rc);
  }
  std::uint64_t last = m_lastOffset;
  std::uint64_t bytes = 0;
  const char* what = "insert an event";
  for (const JournalEvent& event : batch.events) {
    rc = m_insertEvent.reset()
             .bindU(1, event.offset)
             .bind(2, event.timeNs)
             .bind(3, event.type)
             .bindBlob(4, event.body)
             .step();
    if (rc != SQLITE_DONE) break;
    last = std::max(last, event.offset);
    bytes += event.body.size();
  }
  if (rc == SQLITE_DONE) {
    what = "insert a hole";
    for (const Hole& hole : batch.holes) {
      rc = m_insertHole.reset()
               .bindU(1, hole.first)
               .bindU(2, hole.last)
               .bind(3, static_cast<std::int32_t>(hole.reason))
               .step();
      if (rc != SQLITE_DONE) break;
      last = std::max(last, hole.last);
    }
  }
  if (rc == SQLITE_DONE) {
    what = "store a cursor";
    for (const Cursor& cursor : batch.cursors)
      if ((rc = writeCursor(cursor)) != SQLITE_DONE) break;
  }
  if (rc == SQLITE_DONE) {
    what = "delete a cursor";
    for (const std::string& moduleId : batch.forgetCursors)
      if ((rc = m_deleteCursor.reset().bindText(1, moduleId).step()) != SQLITE_DONE) break;
  }
  if (rc == SQLITE_DONE && last != m_lastOffset) {
    what = "store last_offset";
    rc = writeMeta("last_offset", last);
  }
  const std::uint64_t reserved = std::max(m_reserved, batch.reservedThrough);
  if (rc == SQLITE_DONE && reserved != m_reserved) {
    what = "store reserved_through";
    rc = writeMeta("reserved_through", reserved);
  }
  if (Status done = commitTransaction(what, rc); !done) return done.error();
  if (!batch.events.empty()) {
    if (m_firstOffset == 0) m_firstOffset = batch.events.front().offset;
    m_lastEvent = std::max(m_lastEvent, batch.events.back().offset);
  }
  m_events += batch.events.size();
  m_bytes += bytes;
  m_lastOffset = last;
  m_reserved = reserved;
  return {};
}

Status SqliteJournal::closeClean(std::uint64_t handedOutThrough) {
  const std::uint64_t reserved = std::max(handedOutThrough, m_lastOffset);
  if (reserved == m_reserved) return {};
  const int rc = writeMeta("reserved_through", reserved);
  if (rc != SQLITE_DONE) {
    ++m_failures;
    return failure("store reserved_through", rc);
  }
  m_reserved = reserved;
  return {};
}

Status SqliteJournal::putCursor(const Cursor& cursor) {
  const int rc = writeCursor(cursor);
  if (rc != SQLITE_DONE) {
    ++m_failures;
    return failure("store a cursor", rc);
  }
  return {};
}

Result<bool> SqliteJournal::deleteCursor(const std::string& moduleId) {
  const int rc = m_deleteCursor.reset().bindText(1, moduleId).step();
  if (rc != SQLITE_DONE) {
    ++m_failures;
    return failure("delete a cursor", rc);
  }
  return sqlite3_changes(m_db) > 0;
}

int SqliteJournal::writeCursor(const Cursor& cursor) {
  const std::string ranges = encodeRanges(cursor);
  return m_putCursor.reset()
      .bindText(1, cursor.moduleId)
      .bindU(2, cursor.cursor)
      .bindBlob(3, ranges)
      .bind(4, cursor.updatedNs)
      .bindU(5, cursor.deliveredThrough)
      .step();
}

int SqliteJournal::writeMeta(const char* key, std::uint64_t value) {
  return m_putMeta.reset().bindText(1, key).bindU(2, value).step();
}

// acked_above: the ranges as pairs of little-endian uint64 (16 bytes a range).
std::string SqliteJournal::encodeRanges(const Cursor& cursor) {
  std::string out;
  out.reserve(cursor.ackedAbove.size() * 16);
  for (const auto& [first, last] : cursor.ackedAbove) {
    for (std::uint64_t value : {first, last})
      for (int shift = 0; shift < 64; shift += 8)
        out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
  return out;
}

bool SqliteJournal::decodeRanges(const std::string& blob, Cursor& cursor) {
  if (blob.size() % 16 != 0) return false;
  auto word = [&](std::size_t at) {
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i)
      value |= static_cast<std::uint64_t>(static_cast<unsigned char>(blob[at + i])) << (8 * i);
    return value;
  };
  for (std::size_t at = 0; at < blob.size(); at += 16)
    cursor.ackedAbove.emplace_back(word(at), word(at + 8));
  return true;
}

}  // namespace plexus::host
