// SqliteJournalReader: a read-only second connection to the journal (JournalReads), for the
// JournalReader thread. In WAL mode its reads never wait for the journal thread's writes; each
// read runs in one read transaction (beginSnapshot/endSnapshot), so a trim or a group committed
// meanwhile is seen wholly or not at all.
// Thread rule: one thread at a time (the reader thread; SQLITE_OPEN_NOMUTEX).

#include <stdexcept>
#include <string>
#include <utility>

#include "journal/sqlite_journal.h"

namespace plexus::host {

namespace {

class SqliteJournalReader final : public JournalReads {
 public:
  explicit SqliteJournalReader(std::filesystem::path path) : m_path(std::move(path)) {
    const int rc =
        sqlite3_open_v2(m_path.c_str(), &m_db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    try {
      if (rc != SQLITE_OK)
        refuse(m_db != nullptr ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc), "cannot open");
      sqlite3_extended_result_codes(m_db, 1);
      sqlite3_busy_timeout(m_db, 1000);
      checkSchema();
      m_begin = Statement(m_db, "BEGIN");
      m_commit = Statement(m_db, "COMMIT");
      m_readEvents = Statement(m_db, kReadEventsSql);
      m_readHoles = Statement(m_db, kReadHolesSql);
      m_offsetAtTime = Statement(m_db, kOffsetAtTimeSql);
      m_firstOffset = Statement(m_db, "SELECT coalesce(min(offset), 0) FROM events");
    } catch (...) {
      close();
      throw;
    }
  }
  ~SqliteJournalReader() override { close(); }
  SqliteJournalReader(const SqliteJournalReader&) = delete;
  SqliteJournalReader& operator=(const SqliteJournalReader&) = delete;

  Result<std::vector<JournalEvent>> read(std::uint64_t from, std::uint64_t to,
                                         std::size_t maxEvents,
                                         const std::vector<std::int32_t>& types) override {
    return readEventRows(m_db, m_readEvents, from, to, maxEvents, types);
  }
  Result<std::vector<Hole>> holes(std::uint64_t from, std::uint64_t to) override {
    return readHoleRows(m_db, m_readHoles, from, to);
  }
  Result<std::uint64_t> offsetAtOrAfter(std::int64_t timeNs) override {
    return readOffsetAtTime(m_db, m_offsetAtTime, timeNs);
  }
  Result<std::uint64_t> firstOffset() override {
    const int rc = m_firstOffset.reset().step();
    const std::uint64_t first = rc == SQLITE_ROW ? m_firstOffset.columnU(0) : 0;
    m_firstOffset.reset();
    if (rc != SQLITE_ROW) return sqliteFailure(m_db, "read the oldest offset", rc);
    return first;
  }
  Status beginSnapshot() override {
    const int rc = m_begin.reset().step();
    m_begin.reset();
    if (rc != SQLITE_DONE) return sqliteFailure(m_db, "begin a read", rc);
    return {};
  }
  void endSnapshot() override {
    if (sqlite3_get_autocommit(m_db) != 0) return;  // no transaction open
    m_commit.reset().step();
    m_commit.reset();
  }

 private:
  [[noreturn]] void refuse(const std::string& why, const char* what) const {
    throw std::runtime_error("journal " + m_path.string() + ": " + what +
                             " a reader connection: " + why);
  }

  std::int64_t pragmaInt(const char* pragma) {
    Statement statement(m_db, (std::string("PRAGMA ") + pragma).c_str());
    if (statement.step() != SQLITE_ROW) refuse(sqlite3_errmsg(m_db), "cannot check");
    return statement.columnInt(0);
  }

  void checkSchema() {
    if (pragmaInt("application_id") != kJournalApplicationId)
      refuse("not a Plexus journal", "refusing");
    if (pragmaInt("user_version") != kJournalSchemaVersion)
      refuse("schema version " + std::to_string(pragmaInt("user_version")) + ", not " +
                 std::to_string(kJournalSchemaVersion),
             "refusing");
  }

  void close() {
    m_begin = {};
    m_commit = {};
    m_readEvents = {};
    m_readHoles = {};
    m_offsetAtTime = {};
    m_firstOffset = {};
    sqlite3_close_v2(m_db);
    m_db = nullptr;
  }

  std::filesystem::path m_path;
  sqlite3* m_db = nullptr;
  Statement m_begin;
  Statement m_commit;
  Statement m_readEvents;
  Statement m_readHoles;
  Statement m_offsetAtTime;
  Statement m_firstOffset;
};

}  // namespace

std::unique_ptr<JournalReads> makeSqliteJournalReader(const std::filesystem::path& path) {
  return std::make_unique<SqliteJournalReader>(path);
}

}  // namespace plexus::host
