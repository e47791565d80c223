// SqliteJournal: opening - the schema checks that refuse a foreign, corrupt or newer file
// without writing to it, the schema of a new file, the migration of an older one, the connection's
// pragmas, the prepared statements and the in-memory counters.

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "journal/sqlite_journal.h"

namespace plexus::host {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE events (offset INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL,
                     type INTEGER NOT NULL, body BLOB NOT NULL);
CREATE TABLE holes (first INTEGER NOT NULL, last INTEGER NOT NULL, reason INTEGER NOT NULL);
CREATE INDEX holes_by_first ON holes (first);
CREATE TABLE cursors (module_id TEXT PRIMARY KEY, cursor INTEGER NOT NULL,
                      acked_above BLOB NOT NULL, updated_ns INTEGER NOT NULL,
                      delivered INTEGER NOT NULL DEFAULT 0);
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
)sql";

bool isStorageCode(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_PROTOCOL:
    case SQLITE_NOMEM:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::unique_ptr<JournalStore> makeSqliteJournal(const std::filesystem::path& path,
                                                const SqliteOptions& options) {
  return std::make_unique<SqliteJournal>(path, options);
}

SqliteJournal::SqliteJournal(std::filesystem::path path, const SqliteOptions& options)
    : m_path(std::move(path)) {
  const int rc =
      sqlite3_open_v2(m_path.c_str(), &m_db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = m_db != nullptr ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
    sqlite3_close(m_db);
    m_db = nullptr;
    throw std::runtime_error("journal " + m_path.string() + ": cannot open: " + why);
  }
  try {
    sqlite3_extended_result_codes(m_db, 1);
    sqlite3_busy_timeout(m_db, 1000);
    checkOrCreateSchema();
    configure(options);
    prepareStatements();
    loadState();
  } catch (...) {
    sqlite3_close_v2(m_db);
    m_db = nullptr;
    throw;
  }
}

SqliteJournal::~SqliteJournal() {
  // The statements first: sqlite3_close refuses while any is unfinalized.
  m_begin = {};
  m_commit = {};
  m_rollback = {};
  m_insertEvent = {};
  m_insertHole = {};
  m_putCursor = {};
  m_putMeta = {};
  m_readEvents = {};
  m_readHoles = {};
  m_getCursor = {};
  m_deleteCursor = {};
  m_listCursors = {};
  m_eventTime = {};
  m_offsetAtTime = {};
  m_holeTotals = {};
  m_trimScan = {};
  m_deleteEvents = {};
  m_deleteHoles = {};
  m_cutHoles = {};
  sqlite3_close_v2(m_db);
}

void SqliteJournal::refuse(const std::string& why) const {
  throw std::runtime_error("journal " + m_path.string() + ": " + why +
                           "; refusing to use it (the file is left as it is)");
}

std::int64_t SqliteJournal::pragmaInt(const char* pragma) {
  sqlite3_stmt* stmt = nullptr;
  const std::string sql = std::string("PRAGMA ") + pragma;
  int rc = sqlite3_prepare_v2(m_db, sql.c_str(), -1, &stmt, nullptr);
  std::int64_t value = 0;
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      value = sqlite3_column_int64(stmt, 0);
      rc = SQLITE_OK;
    }
  }
  const std::string why = sqlite3_errmsg(m_db);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_OK && rc != SQLITE_DONE) {
    if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT)
      refuse("not an SQLite database, or a corrupt one (" + why + ")");
    refuse(std::string("cannot read PRAGMA ") + pragma + ": " + why);
  }
  return value;
}

void SqliteJournal::checkOrCreateSchema() {
  // Reads only, until the file is known to be ours (or empty).
  const std::int64_t applicationId = pragmaInt("application_id");
  const std::int64_t version = pragmaInt("user_version");
  const std::int64_t objects = pragmaInt("schema_version");  // 0: no table was ever created
  if (applicationId == 0 && version == 0 && objects == 0) {
    const std::string script = std::string("BEGIN IMMEDIATE;") + kSchema +
                               "PRAGMA application_id = " + std::to_string(kJournalApplicationId) +
                               "; PRAGMA user_version = " + std::to_string(kJournalSchemaVersion) +
                               "; COMMIT;";
    char* message = nullptr;
    if (sqlite3_exec(m_db, script.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      const std::string why = message != nullptr ? message : "unknown error";
      sqlite3_free(message);
      refuse("cannot create the journal schema: " + why);
    }
    return;
  }
  if (applicationId != kJournalApplicationId)
    refuse("an SQLite database of another application (application_id " +
           std::to_string(applicationId) + ", a Plexus journal has " +
           std::to_string(kJournalApplicationId) + ")");
  if (version > kJournalSchemaVersion)
    refuse("journal schema version " + std::to_string(version) + " is newer than this node's (" +
           std::to_string(kJournalSchemaVersion) + ")");
  if (version < 1) refuse("a Plexus journal without a schema version (corrupt)");
  if (version == 1) migrateFromVersion1();
}

// Version 2 adds cursors.delivered. One transaction: the column and the version together, or
// neither (a crash mid-way leaves a version 1 file, migrated at the next open).
void SqliteJournal::migrateFromVersion1() {
  auto run = [&](const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &message) == SQLITE_OK) return;
    const std::string why = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    refuse("cannot migrate the journal schema from version 1 to 2: " + why);
  };
  run("BEGIN IMMEDIATE");
  // Another process may have migrated it since the check (the lock is held from here on).
  if (pragmaInt("user_version") != 1) {
    run("COMMIT");
    return;
  }
  const std::string script =
      "ALTER TABLE cursors ADD COLUMN delivered INTEGER NOT NULL DEFAULT 0; PRAGMA user_version "
      "= " +
      std::to_string(kJournalSchemaVersion) + "; COMMIT;";
  run(script.c_str());
}

void SqliteJournal::configure(const SqliteOptions& options) {
  sqlite3_stmt* stmt = nullptr;
  std::string mode;
  if (sqlite3_prepare_v2(m_db, "PRAGMA journal_mode = WAL", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    if (text != nullptr) mode = reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(stmt);
  if (mode != "wal")
    refuse("cannot switch to WAL mode (" + std::string(sqlite3_errmsg(m_db)) + ")");
  const std::string sync = options.sync == SqliteOptions::Sync::Full ? "FULL" : "NORMAL";
  // secure_delete FAST: Debian builds SQLite with SECURE_DELETE, which zeroes every trimmed
  // event on disk (extra writes per trim); FAST zeroes only what costs no extra I/O. A 32 MB
  // page cache and a checkpoint every 8 192 WAL pages (32 MB; SQLite's default is 1 000) cut
  // the re-reads and copies of the pages each group rewrites: about +25 % appends/s measured.
  std::string pragmas = "PRAGMA synchronous = " + sync +
                        "; PRAGMA secure_delete = FAST; PRAGMA cache_size = -32768;"
                        " PRAGMA wal_autocheckpoint = 8192;";
  if (options.maxPageCount > 0)
    pragmas += "PRAGMA max_page_count = " + std::to_string(options.maxPageCount) + ";";
  if (sqlite3_exec(m_db, pragmas.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    refuse("cannot configure the connection: " + std::string(sqlite3_errmsg(m_db)));
}

void SqliteJournal::prepareStatements() {
  m_begin = Statement(m_db, "BEGIN IMMEDIATE");
  m_commit = Statement(m_db, "COMMIT");
  m_rollback = Statement(m_db, "ROLLBACK");
  m_insertEvent =
      Statement(m_db, "INSERT INTO events (offset, time_ns, type, body) VALUES (?, ?, ?, ?)");
  m_insertHole = Statement(m_db, "INSERT INTO holes (first, last, reason) VALUES (?, ?, ?)");
  m_putCursor = Statement(m_db,
                          "INSERT OR REPLACE INTO cursors (module_id, cursor, acked_above, "
                          "updated_ns, delivered) VALUES (?, ?, ?, ?, ?)");
  m_putMeta = Statement(m_db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
  m_readEvents = Statement(m_db, kReadEventsSql);
  m_readHoles = Statement(m_db, kReadHolesSql);
  m_getCursor = Statement(m_db,
                          "SELECT module_id, cursor, acked_above, updated_ns, delivered FROM "
                          "cursors WHERE module_id = ?");
  m_deleteCursor = Statement(m_db, "DELETE FROM cursors WHERE module_id = ?");
  m_listCursors = Statement(m_db,
                            "SELECT module_id, cursor, acked_above, updated_ns, delivered FROM "
                            "cursors ORDER BY module_id");
  m_eventTime = Statement(m_db, "SELECT time_ns FROM events WHERE offset = ?");
  m_offsetAtTime = Statement(m_db, kOffsetAtTimeSql);
  m_holeTotals = Statement(m_db, "SELECT count(*), coalesce(sum(last - first + 1), 0) FROM holes");
  m_trimScan = Statement(
      m_db, "SELECT offset, time_ns, length(body) FROM events WHERE offset >= ? ORDER BY offset");
  m_deleteEvents = Statement(m_db, "DELETE FROM events WHERE offset < ?");
  m_deleteHoles = Statement(m_db, "DELETE FROM holes WHERE last < ?");
  m_cutHoles = Statement(m_db, "UPDATE holes SET first = ?1 WHERE first < ?1 AND last >= ?1");
}

void SqliteJournal::loadState() {
  // One scan of the events at open (sizes only); every later change updates the counters.
  Statement totals(m_db,
                   "SELECT count(*), coalesce(sum(length(body)), 0), coalesce(min(offset), 0), "
                   "coalesce(max(offset), 0) FROM events");
  if (totals.step() != SQLITE_ROW)
    refuse("cannot read the events: " + std::string(sqlite3_errmsg(m_db)));
  m_events = totals.columnU(0);
  m_bytes = totals.columnU(1);
  m_firstOffset = totals.columnU(2);
  m_lastEvent = totals.columnU(3);
  Statement holes(m_db, "SELECT coalesce(max(last), 0) FROM holes");
  if (holes.step() != SQLITE_ROW)
    refuse("cannot read the holes: " + std::string(sqlite3_errmsg(m_db)));
  Statement meta(m_db, "SELECT key, value FROM meta");
  std::uint64_t lastMeta = 0;
  for (int rc = meta.step(); rc == SQLITE_ROW; rc = meta.step()) {
    const std::string key = meta.columnText(0);
    if (key == "reserved_through") m_reserved = meta.columnU(1);
    if (key == "last_offset") lastMeta = meta.columnU(1);
  }
  m_lastOffset = std::max({m_lastEvent, holes.columnU(0), lastMeta});
}

Error sqliteFailure(sqlite3* db, const char* what, int rc) {
  const std::string message =
      std::string(what) + ": " + sqlite3_errmsg(db) + " (" + sqlite3_errstr(rc) + ")";
  if (isStorageCode(rc)) return makeStorageError(message);
  return makeError(v1::ERROR_CODE_INTERNAL, "journal: " + message);
}

Error SqliteJournal::failure(const char* what, int rc) const {
  return sqliteFailure(m_db, what, rc);
}

Status SqliteJournal::exec(const char* sql, const char* what) {
  const int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return failure(what, rc);
  return {};
}

void SqliteJournal::abandon() {
  if (sqlite3_get_autocommit(m_db) == 0) m_rollback.reset().step();
}

Status SqliteJournal::commitTransaction(const char* what, int rc) {
  if (rc == SQLITE_DONE) {
    what = "commit";
    rc = m_commit.reset().step();
  }
  if (rc == SQLITE_DONE) return {};
  const Error error = failure(what, rc);
  abandon();
  ++m_failures;
  return error;
}

}  // namespace plexus::host
