#pragma once

// FailingJournal: a JournalStore that forwards to another one (a MemoryJournal by default) and
// fails writes with an ENOSPC-like storage error while the test says the disk is full. It
// records how many events each successful append carried (group sizes), and can hold appends
// (hold(true): append waits until hold(false)) so a test can fill the writer's queue.
// Thread rule: setFull(), failedAppends(), groupSizes(), hold(), waitUntilHolding() from any
// thread (the writer's thread calls the store); the rest as JournalStore's.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fakes/memory_journal.h"
#include "journal/journal_store.h"
#include "plexus/ipc/thread_annotations.h"

namespace plexus::host {

class FailingJournal final : public JournalStore {
 public:
  explicit FailingJournal(std::unique_ptr<JournalStore> inner = std::make_unique<MemoryJournal>())
      : m_inner(std::move(inner)) {}

  void setFull(bool full) { m_full.store(full); }
  std::uint64_t failedAppends() const { return m_failed.load(); }
  std::vector<std::size_t> groupSizes() {
    MutexLock lock(m_mutex);
    return m_groups;
  }
  JournalStore& inner() { return *m_inner; }

  void hold(bool on) {
    {
      MutexLock lock(m_mutex);
      m_hold = on;
    }
    m_changed.notify_all();
  }
  // True once an append is waiting in hold, false at the deadline.
  bool waitUntilHolding(std::chrono::milliseconds timeout) {
    MutexLock lock(m_mutex);
    return lock.waitFor(m_changed, timeout, [&]() PLEXUS_REQUIRES(m_mutex) { return m_holding; });
  }

  Status append(const JournalBatch& batch) override {
    {
      MutexLock lock(m_mutex);
      m_holding = m_hold;
      m_changed.notify_all();
      lock.wait(m_changed, [&]() PLEXUS_REQUIRES(m_mutex) { return !m_hold; });
      m_holding = false;
    }
    if (m_full.load()) {
      ++m_failed;
      return makeStorageError("database or disk is full (injected ENOSPC)");
    }
    {
      MutexLock lock(m_mutex);
      m_groups.push_back(batch.events.size());
    }
    return m_inner->append(batch);
  }
  Result<std::vector<JournalEvent>> read(std::uint64_t from, std::uint64_t to,
                                         std::size_t maxEvents,
                                         const std::vector<std::int32_t>& types) override {
    return m_inner->read(from, to, maxEvents, types);
  }
  Result<std::vector<Hole>> holes(std::uint64_t from, std::uint64_t to) override {
    return m_inner->holes(from, to);
  }
  Result<std::uint64_t> offsetAtOrAfter(std::int64_t timeNs) override {
    return m_inner->offsetAtOrAfter(timeNs);
  }
  Status putCursor(const Cursor& cursor) override {
    if (m_full.load()) return makeStorageError("database or disk is full (injected ENOSPC)");
    return m_inner->putCursor(cursor);
  }
  Result<std::optional<Cursor>> getCursor(const std::string& moduleId) override {
    return m_inner->getCursor(moduleId);
  }
  Result<bool> deleteCursor(const std::string& moduleId) override {
    return m_inner->deleteCursor(moduleId);
  }
  Result<std::vector<Cursor>> listCursors() override { return m_inner->listCursors(); }
  Result<TrimResult> trim(const Retention& retention, std::int64_t nowNs) override {
    return m_inner->trim(retention, nowNs);
  }
  Result<JournalStats> stats() override { return m_inner->stats(); }
  std::uint64_t lastOffset() const override { return m_inner->lastOffset(); }
  std::uint64_t reservedThrough() const override { return m_inner->reservedThrough(); }
  Status closeClean(std::uint64_t handedOutThrough) override {
    if (m_full.load()) return makeStorageError("database or disk is full (injected ENOSPC)");
    return m_inner->closeClean(handedOutThrough);
  }

 private:
  std::unique_ptr<JournalStore> m_inner;
  std::atomic<bool> m_full{false};
  std::atomic<std::uint64_t> m_failed{0};
  Mutex m_mutex;
  std::condition_variable m_changed;
  std::vector<std::size_t> m_groups PLEXUS_GUARDED_BY(m_mutex);
  bool m_hold PLEXUS_GUARDED_BY(m_mutex) = false;
  bool m_holding PLEXUS_GUARDED_BY(m_mutex) = false;
};

}  // namespace plexus::host
