#include "journal_write_lock.h"

#include <sqlite3.h>

namespace plexus::test {

JournalWriteLock::JournalWriteLock(const std::filesystem::path& file,
                                   std::chrono::milliseconds timeout) {
  if (sqlite3_open_v2(file.c_str(), &m_db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    m_error = "cannot open " + file.string() + ": " + sqlite3_errmsg(m_db);
    release();
    return;
  }
  sqlite3_busy_timeout(m_db, static_cast<int>(timeout.count()));
  char* message = nullptr;
  if (sqlite3_exec(m_db, "BEGIN IMMEDIATE", nullptr, nullptr, &message) != SQLITE_OK) {
    m_error = "BEGIN IMMEDIATE on " + file.string() + ": " + (message ? message : "?");
    sqlite3_free(message);
    release();
    return;
  }
  m_held = true;
}

JournalWriteLock::~JournalWriteLock() {
  release();
}

void JournalWriteLock::release() {
  if (m_db == nullptr) return;
  if (m_held) sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
  m_held = false;
  sqlite3_close(m_db);
  m_db = nullptr;
}

}  // namespace plexus::test
