#pragma once

// JournalWriteLock: the write lock of a running node's journal (journal.sqlite, WAL), taken by a
// connection of the test's own, as another writer of the file or a stalled disk would hold it.
// While it is held, each commit of the node's journal thread waits out SQLite's busy timeout
// (1 s) and then fails (its events become WriteFailed holes), so the journal thread's queue fills
// and a publish of a type some durable module subscribes to waits for room in it
// (docs/design.md "Durable modules", back-pressure). Readers are not blocked (WAL).
// Thread rule: the test's thread.

#include <chrono>
#include <filesystem>
#include <string>

struct sqlite3;

namespace plexus::test {

class JournalWriteLock {
 public:
  // Opens `file` and takes its write lock (BEGIN IMMEDIATE), waiting up to `timeout` while the
  // node commits. held() says whether it got it; error() says why not.
  explicit JournalWriteLock(const std::filesystem::path& file,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~JournalWriteLock();  // release()
  JournalWriteLock(const JournalWriteLock&) = delete;
  JournalWriteLock& operator=(const JournalWriteLock&) = delete;

  bool held() const { return m_held; }
  const std::string& error() const { return m_error; }
  // Rolls the (empty) transaction back, which frees the lock, and closes the connection.
  void release();

 private:
  sqlite3* m_db = nullptr;
  bool m_held = false;
  std::string m_error;
};

}  // namespace plexus::test
