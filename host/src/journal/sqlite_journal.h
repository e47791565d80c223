#pragma once

// SqliteJournal: JournalStore on SQLite in WAL mode, schema v2 (docs/design.md "Journal
// store"). Split by concern: sqlite_journal_open.cpp (open, schema checks, statements, state),
// sqlite_journal_write.cpp (append, cursors), sqlite_journal_read.cpp (reads, stats),
// sqlite_journal_trim.cpp (retention). Counters of what is stored (events, bytes, first and
// last offsets, reservation) live in memory, loaded at open and updated after each commit, so
// appends and trims never scan the table.
// Thread rule: as JournalStore's (one thread at a time; the connection is SQLITE_OPEN_NOMUTEX).

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "journal/journal_store.h"
#include "journal/sqlite_statement.h"

namespace plexus::host {

// PRAGMA application_id of a Plexus journal: 'PLXS'.
inline constexpr std::int32_t kJournalApplicationId = 0x504C5853;
// Schema versions: 1 (issue 13 stage 1); 2 adds cursors.delivered (Cursor::deliveredThrough).
// A version 1 file is migrated at open, in one transaction.
inline constexpr int kJournalSchemaVersion = 2;

// Shared by SqliteJournal and SqliteJournalReader (sqlite_journal_reader.cpp).
// The SQL of the reads both connections make.
inline constexpr const char* kReadEventsSql =
    "SELECT offset, time_ns, type, body FROM events WHERE offset >= ? AND offset <= ? ORDER BY "
    "offset";
inline constexpr const char* kReadHolesSql =
    "SELECT first, last, reason FROM holes WHERE last >= ? AND first <= ? ORDER BY first";
inline constexpr const char* kOffsetAtTimeSql =
    "SELECT offset FROM events WHERE time_ns >= ? ORDER BY offset LIMIT 1";
// An error value for `rc` from `what` on `db` (storage failures: ERROR_CODE_UNAVAILABLE).
Error sqliteFailure(sqlite3* db, const char* what, int rc);
// Runs a prepared kReadEventsSql / kReadHolesSql / kOffsetAtTimeSql statement (reset when
// done, so no read transaction stays open unless the caller began one).
Result<std::vector<JournalEvent>> readEventRows(sqlite3* db, Statement& events, std::uint64_t from,
                                                std::uint64_t to, std::size_t maxEvents,
                                                const std::vector<std::int32_t>& types);
Result<std::vector<Hole>> readHoleRows(sqlite3* db, Statement& holes, std::uint64_t from,
                                       std::uint64_t to);
Result<std::uint64_t> readOffsetAtTime(sqlite3* db, Statement& offsetAtTime, std::int64_t timeNs);

class SqliteJournal final : public JournalStore {
 public:
  SqliteJournal(std::filesystem::path path, const SqliteOptions& options);  // throws
  ~SqliteJournal() override;
  SqliteJournal(const SqliteJournal&) = delete;
  SqliteJournal& operator=(const SqliteJournal&) = delete;

  Status append(const JournalBatch& batch) override;
  Result<std::vector<JournalEvent>> read(std::uint64_t from, std::uint64_t to,
                                         std::size_t maxEvents,
                                         const std::vector<std::int32_t>& types) override;
  Result<std::vector<Hole>> holes(std::uint64_t from, std::uint64_t to) override;
  Result<std::uint64_t> offsetAtOrAfter(std::int64_t timeNs) override;
  Status putCursor(const Cursor& cursor) override;
  Result<std::optional<Cursor>> getCursor(const std::string& moduleId) override;
  Result<bool> deleteCursor(const std::string& moduleId) override;
  Result<std::vector<Cursor>> listCursors() override;
  Result<TrimResult> trim(const Retention& retention, std::int64_t nowNs) override;
  Result<JournalStats> stats() override;
  Result<std::uint64_t> firstOffset() override { return m_firstOffset; }
  std::uint64_t lastOffset() const override { return m_lastOffset; }
  std::uint64_t reservedThrough() const override { return m_reserved; }
  Status closeClean(std::uint64_t handedOutThrough) override;

 private:
  // ---- sqlite_journal_open.cpp ----
  [[noreturn]] void refuse(const std::string& why) const;
  void checkOrCreateSchema();
  void migrateFromVersion1();
  void configure(const SqliteOptions& options);
  void prepareStatements();
  void loadState();
  std::int64_t pragmaInt(const char* pragma);
  // An error value for `rc` from `what` (storage failures: ERROR_CODE_UNAVAILABLE).
  Error failure(const char* what, int rc) const;
  // Runs `sql` (no rows); the error names `what`.
  Status exec(const char* sql, const char* what);
  // After a failed statement inside a transaction: rolls it back if SQLite did not.
  void abandon();
  // Ends the transaction that `rc` (from `what`) reports on: commits it when every statement
  // succeeded, else abandons it and counts the failure.
  Status commitTransaction(const char* what, int rc);

  // ---- sqlite_journal_write.cpp ----
  int writeCursor(const Cursor& cursor);
  int writeMeta(const char* key, std::uint64_t value);

  static std::string encodeRanges(const Cursor& cursor);
  static bool decodeRanges(const std::string& blob, Cursor& cursor);
  Cursor cursorRow(Statement& statement) const;

  std::filesystem::path m_path;
  sqlite3* m_db = nullptr;

  Statement m_begin;
  Statement m_commit;
  Statement m_rollback;
  Statement m_insertEvent;
  Statement m_insertHole;
  Statement m_putCursor;
  Statement m_putMeta;
  Statement m_readEvents;
  Statement m_readHoles;
  Statement m_getCursor;
  Statement m_deleteCursor;
  Statement m_listCursors;
  Statement m_eventTime;
  Statement m_offsetAtTime;
  Statement m_holeTotals;
  Statement m_trimScan;
  Statement m_deleteEvents;
  Statement m_deleteHoles;
  Statement m_cutHoles;

  std::uint64_t m_lastOffset = 0;   // highest offset written, event or hole
  std::uint64_t m_reserved = 0;     // persisted reserved_through
  std::uint64_t m_firstOffset = 0;  // oldest stored event, 0 when none
  std::uint64_t m_lastEvent = 0;    // newest stored event, 0 when none
  std::uint64_t m_events = 0;
  std::uint64_t m_bytes = 0;
  std::uint64_t m_failures = 0;
};

}  // namespace plexus::host
