#pragma once

// Shared by the JournalWriter tests of reads and cursors: ProbeStore, a JournalStore that
// forwards to a FailingJournal (itself over a MemoryJournal) and records every batch it is
// given, with whether it was written, and can fail reads; and a fixture that starts a writer
// on it with a ReadResults queue and waits (with deadlines) for notices and read results as an
// owner's loop would.
// Thread rule: batches() and failReads() from any thread; the rest as JournalStore's.

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fakes/failing_journal.h"
#include "journal/journal_store.h"
#include "journal/journal_writer.h"
#include "plexus/ipc/thread_annotations.h"

namespace plexus::host::journal_test {

class ProbeStore final : public JournalStore {
 public:
  struct Seen {
    JournalBatch batch;
    bool written = false;
  };

  explicit ProbeStore(std::unique_ptr<FailingJournal> inner) : m_inner(std::move(inner)) {}

  FailingJournal& failing() { return *m_inner; }
  std::vector<Seen> batches() {
    MutexLock lock(m_mutex);
    return m_batches;
  }
  void failReads(bool on) { m_failReads.store(on); }

  Status append(const JournalBatch& batch) override {
    Status written = m_inner->append(batch);
    MutexLock lock(m_mutex);
    m_batches.push_back(Seen{batch, written.ok()});
    return written;
  }
  Result<std::vector<JournalEvent>> read(std::uint64_t from, std::uint64_t to,
                                         std::size_t maxEvents,
                                         const std::vector<std::int32_t>& types) override {
    if (m_failReads.load()) return makeStorageError("disk I/O error (injected EIO)");
    return m_inner->read(from, to, maxEvents, types);
  }
  Result<std::vector<Hole>> holes(std::uint64_t from, std::uint64_t to) override {
    return m_inner->holes(from, to);
  }
  Result<std::uint64_t> offsetAtOrAfter(std::int64_t timeNs) override {
    return m_inner->offsetAtOrAfter(timeNs);
  }
  Status putCursor(const Cursor& cursor) override { return m_inner->putCursor(cursor); }
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
    return m_inner->closeClean(handedOutThrough);
  }

 private:
  std::unique_ptr<FailingJournal> m_inner;
  std::atomic<bool> m_failReads{false};
  Mutex m_mutex;
  std::vector<Seen> m_batches PLEXUS_GUARDED_BY(m_mutex);
};

// Drains `queue` as an owner's loop would (sleep on its fd, drain) into `out` until `done`
// holds, for at most `timeout`.
template <class T>
bool drainUntil(ipc::WakeQueue<T>& queue, std::vector<T>& out, const std::function<bool()>& done,
                std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<T> batch;
  for (;;) {
    batch.clear();
    queue.drain(batch);
    for (T& item : batch)
      out.push_back(std::move(item));
    if (done()) return true;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= std::chrono::milliseconds(0)) return false;
    if (!queue.prepareToSleep()) {
      pollfd item{queue.fd(), POLLIN, 0};
      ::poll(&item, 1, static_cast<int>(left.count()));
    }
    queue.awake();
  }
}

class WriterProbeTest : public ::testing::Test {
 protected:
  // `before` may fill the store before the writer owns it.
  void start(JournalWriterOptions options = {},
             const std::function<void(JournalStore&)>& before = {}) {
    auto failingStore = std::make_unique<FailingJournal>();
    failing = failingStore.get();
    auto store = std::make_unique<ProbeStore>(std::move(failingStore));
    probe = store.get();
    if (before) before(*store);
    writer = std::make_unique<JournalWriter>(std::move(store), notices, std::move(options), &reads);
  }

  // Waits until the latest notice satisfies `done`.
  bool waitForNotice(const std::function<bool(const CommitNotice&)>& done,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return drainUntil<CommitNotice>(
        notices, seenNotices, [&] { return !seenNotices.empty() && done(seenNotices.back()); },
        timeout);
  }

  // The result of the read tagged `id` (waits for it).
  std::optional<ReadResult> resultOf(std::uint64_t id,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto find = [&]() -> const ReadResult* {
      for (const ReadResult& result : seenReads)
        if (result.id == id) return &result;
      return nullptr;
    };
    if (!drainUntil<ReadResult>(
            reads, seenReads, [&] { return find() != nullptr; }, timeout))
      return std::nullopt;
    return *find();
  }

  // Requests a read and waits for its result.
  std::optional<ReadResult> readNow(ReadRequest request) {
    const std::uint64_t id = request.id;
    writer->requestRead(std::move(request));
    return resultOf(id);
  }

  std::optional<Cursor> storedCursor(const std::string& moduleId) {
    auto cursor = failing->inner().getCursor(moduleId);
    EXPECT_TRUE(cursor.ok());
    return cursor.ok() ? *cursor : std::nullopt;
  }

  JournalWriter::Notices notices;
  ReadResults reads;
  std::vector<CommitNotice> seenNotices;
  std::vector<ReadResult> seenReads;
  FailingJournal* failing = nullptr;
  ProbeStore* probe = nullptr;
  std::unique_ptr<JournalWriter> writer;
};

}  // namespace plexus::host::journal_test
