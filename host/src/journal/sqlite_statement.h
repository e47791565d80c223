#pragma once

// Statement: an owned, prepared SQLite statement (finalized on destruction) with the few
// binds and reads the journal uses. Reset before each use (bind() of the first parameter does
// not; call reset()). Thread rule: as the connection that prepared it.

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace plexus::host {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, const char* sql);  // throws std::runtime_error when it cannot prepare
  Statement(Statement&& other) noexcept : m_stmt(other.m_stmt) { other.m_stmt = nullptr; }
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(m_stmt); }

  Statement& reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(m_stmt, index, value);
    return *this;
  }
  Statement& bindU(int index, std::uint64_t value) {
    return bind(index, static_cast<std::int64_t>(value));
  }
  Statement& bindText(int index, std::string_view text) {
    sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    return *this;
  }
  Statement& bindBlob(int index, std::string_view bytes) {
    sqlite3_bind_blob(m_stmt, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(m_stmt); }

  std::int64_t columnInt(int index) const { return sqlite3_column_int64(m_stmt, index); }
  std::uint64_t columnU(int index) const { return static_cast<std::uint64_t>(columnInt(index)); }
  std::string columnBlob(int index) const;
  std::string columnText(int index) const;

 private:
  sqlite3_stmt* m_stmt = nullptr;
};

}  // namespace plexus::host
