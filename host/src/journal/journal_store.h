#pragma once

// JournalStore: the journal's storage (issue 13, stage 1; docs/design.md "Journal store").
// A small interface with one implementation, SQLite in WAL mode (makeSqliteJournal); unit tests
// use an in-memory fake and a failing one (tests/host/fakes). Errors are values: a storage
// failure (disk full, I/O error, locked file) is ERROR_CODE_UNAVAILABLE (isStorageFailure()),
// a call that breaks the rules (an offset not above the last one) ERROR_CODE_INVALID_ARGUMENT;
// exceptions only from makeSqliteJournal (start-up): a foreign, corrupt or newer file is refused
// with a clear message and never modified.
// Thread rule: not thread-safe; one thread at a time (the journal's writer thread once it runs).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "journal/journal_types.h"
#include "plexus/ipc/result.h"

namespace plexus::host {

// The reads of a journal: the store's own (the journal thread's connection), and a second
// connection's that serves reads of what is committed while the journal thread writes
// (makeSqliteJournalReader, docs/design.md "A reader of its own").
class JournalReads {
 public:
  virtual ~JournalReads() = default;

  // Events with from <= offset <= to, in offset order, at most `maxEvents`; only those whose
  // type is in `types` unless it is empty.
  virtual Result<std::vector<JournalEvent>> read(std::uint64_t from, std::uint64_t to,
                                                 std::size_t maxEvents,
                                                 const std::vector<std::int32_t>& types = {}) = 0;
  // Recorded holes that overlap [from, to], in offset order.
  virtual Result<std::vector<Hole>> holes(std::uint64_t from, std::uint64_t to) = 0;
  // The offset of the first stored event whose time is >= `timeNs` (`plexusctl journal read
  // --since`), 0 when none.
  virtual Result<std::uint64_t> offsetAtOrAfter(std::int64_t timeNs) = 0;
  // The oldest stored event's offset, 0 when none (moves up with trims).
  virtual Result<std::uint64_t> firstOffset() = 0;
  // The reads between beginSnapshot() and endSnapshot() see one state of the journal (a read
  // transaction), whatever another connection writes or trims meanwhile. No-ops for a store
  // whose one thread both writes and reads.
  virtual Status beginSnapshot() { return {}; }
  virtual void endSnapshot() {}
};

class JournalStore : public JournalReads {
 public:
  // Writes the whole batch in one transaction, or nothing.
  virtual Status append(const JournalBatch& batch) = 0;

  virtual Status putCursor(const Cursor& cursor) = 0;
  virtual Result<std::optional<Cursor>> getCursor(const std::string& moduleId) = 0;
  virtual Result<bool> deleteCursor(const std::string& moduleId) = 0;  // false: had none
  virtual Result<std::vector<Cursor>> listCursors() = 0;               // by module id

  // Removes the oldest events until `retention` holds at `nowNs`, and the holes wholly below
  // what remains (a hole straddling the new first offset is cut there).
  virtual Result<TrimResult> trim(const Retention& retention, std::int64_t nowNs) = 0;
  virtual Result<JournalStats> stats() = 0;
  // This default asks stats(); stores that keep the value at hand answer it without a query.
  Result<std::uint64_t> firstOffset() override {
    Result<JournalStats> now = stats();
    if (!now) return now.error();
    return now->firstOffset;
  }
  // The highest offset written (event or hole), 0 when none: kept across trims.
  virtual std::uint64_t lastOffset() const = 0;
  // The persisted reservation (offsets up to it may have been handed out), 0 when none.
  virtual std::uint64_t reservedThrough() const = 0;
  // A clean stop: no offset above `handedOutThrough` was ever handed out, so the reservation
  // shrinks to max(handedOutThrough, lastOffset()) (the one write that lowers it). The next
  // open then finds no Crash hole, unless handed-out offsets were never written (those, and
  // only those, become one).
  virtual Status closeClean(std::uint64_t handedOutThrough) = 0;
};

struct SqliteOptions {
  enum class Sync { Normal, Full };
  Sync sync = Sync::Normal;  // synchronous=NORMAL (WAL: no fsync per commit) or FULL (fsync)
  // PRAGMA max_page_count; 0 = SQLite's default. Tests use it to simulate a full disk.
  std::uint32_t maxPageCount = 0;
};

// Opens (creating when absent) the journal at `path`. Throws std::runtime_error naming the
// path when it cannot: not an SQLite database, another application's, a newer schema, I/O.
std::unique_ptr<JournalStore> makeSqliteJournal(const std::filesystem::path& path,
                                                const SqliteOptions& options = {});
// A read-only second connection to the journal at `path`, which makeSqliteJournal opened (and
// so created or migrated) first. Throws std::runtime_error naming the path when it cannot open
// it or it is not a journal of this node's schema.
std::unique_ptr<JournalReads> makeSqliteJournalReader(const std::filesystem::path& path);

// The error for a failed storage operation (ERROR_CODE_UNAVAILABLE, "journal storage: ...").
Error makeStorageError(const std::string& what);
bool isStorageFailure(const Error& error);

// Checks a batch against the rules of append() given the highest offset written so far:
// empty when it is fine, else why not.
std::string checkBatch(const JournalBatch& batch, std::uint64_t lastOffset);

}  // namespace plexus::host
