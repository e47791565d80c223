// SqliteJournal: retention. One scan from the oldest event finds where the kept events begin
// (each removed event is visited once, so a continuous trim costs what it removes), then one
// transaction deletes the events and the holes below it.

#include <limits>

#include "journal/sqlite_journal.h"

namespace plexus::host {

Result<TrimResult> SqliteJournal::trim(const Retention& retention, std::int64_t nowNs) {
  TrimResult result;
  result.firstOffset = m_firstOffset;
  if (retention.unlimited() || m_events == 0) return result;
  const bool ageLimited = retention.maxAgeNs > 0;
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  const std::int64_t oldestKept =  // nowNs - maxAgeNs without overflow
      ageLimited && nowNs >= kMin + retention.maxAgeNs ? nowNs - retention.maxAgeNs : kMin;
  // The first event to keep: the prefix that breaks a limit goes.
  std::uint64_t cut = 0;
  {
    m_trimScan.reset().bindU(1, m_firstOffset);
    int rc = SQLITE_ROW;
    while ((rc = m_trimScan.step()) == SQLITE_ROW) {
      const std::uint64_t events = m_events - result.events;
      const std::uint64_t bytes = m_bytes - result.bytes;
      const bool tooMany = retention.maxEvents > 0 && events > retention.maxEvents;
      const bool tooBig = retention.maxBytes > 0 && bytes > retention.maxBytes;
      const bool tooOld = ageLimited && m_trimScan.columnInt(1) < oldestKept;
      if (!tooMany && !tooBig && !tooOld) {
        cut = m_trimScan.columnU(0);
        break;
      }
      ++result.events;
      result.bytes += m_trimScan.columnU(2);
    }
    m_trimScan.reset();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return failure("scan for retention", rc);
  }
  if (result.events == 0) return result;
  const std::uint64_t below = cut != 0 ? cut : m_lastEvent + 1;
  int rc = m_begin.reset().step();
  const char* what = "begin";
  if (rc == SQLITE_DONE) {
    what = "delete events";
    rc = m_deleteEvents.reset().bindU(1, below).step();
  }
  if (rc == SQLITE_DONE) {
    what = "delete holes";
    rc = m_deleteHoles.reset().bindU(1, below).step();
    result.holes = static_cast<std::uint64_t>(sqlite3_changes(m_db));
  }
  if (rc == SQLITE_DONE) {
    what = "cut holes";
    rc = m_cutHoles.reset().bindU(1, below).step();
  }
  if (Status done = commitTransaction(what, rc); !done) return done.error();
  m_events -= result.events;
  m_bytes -= result.bytes;
  m_firstOffset = cut;
  if (cut == 0) m_lastEvent = 0;
  result.firstOffset = cut;
  return result;
}

}  // namespace plexus::host
