#pragma once

// Journal: the journal as the node runs it (issue 13, stage 2; docs/design.md "Journal"). It
// owns the OffsetAllocator and the JournalWriter (which owns the store). For each published
// event of a journaled type, record() hands out the next offset and queues the event for the
// journal thread; the event loop never waits on the disk:
// - the writer's queue is full: the offset becomes a recorded hole (Overflow), counted;
// - no durable reservation is left (the store has been refusing writes for a while, or a burst
//   outran a reservation's round trip): the event gets no offset (0), counted as unjournaled
//   and logged; an offset is never reused. The reservation is sized by the hand-out rate
//   (ReservationSizer: two round trips of the writer at that rate, at most
//   kMaxReservationBlock), so a burst that fills the writer's queue turns into Overflow holes
//   rather than unjournaled events.
// tryRecord() (a publisher that can wait) gets nullopt instead of a hole or offset 0, in both
// cases; the notice that brings room or a reservation lets it try again.
// The writer's CommitNotices come back through notices(), which the owner polls
// (EventLoop::addQueue) and drains with onNotices(); they extend the reservation.
// stop() is the clean stop: what is queued is written and the next start finds no Crash hole.
// For durable modules (issue 13, stage 3; docs/design.md "Durable modules") it also keeps:
// - the cursors, loaded at start and saved through the writer (with its groups, ~every 100 ms);
// - the recent events in memory (the last kRecentEvents offsets, at most kRecentBytes of bodies),
//   so a catch-up that comes near the head finishes from memory, without waiting on the disk;
// - reads of the journal (requestRead), answered on the journal thread through reads().
// Thread rule: one thread, the owner's (the event loop; asserted); the writer has its own.

#include <bitset>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "journal/journal_reader.h"
#include "journal/journal_store.h"
#include "journal/journal_writer.h"
#include "journal/offset_allocator.h"
#include "journal/relayed_tail.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/shared_bytes.h"
#include "plexus/ipc/thread_checker.h"
#include "runtime/rate_limited_log.h"

namespace plexus::host {

// The tail the start scans for relayed events: as many offsets as RelayedOffsets keeps per
// origin node (docs/design.md "Relayed duplicates" has what it costs).
inline constexpr std::uint64_t kRelayedScan = 65536;

struct JournalSettings {
  std::filesystem::path directory;  // holds journal.sqlite and journal.lock
  std::bitset<ipc::kEventTypeSlots> types;
  SqliteOptions sqlite;
  JournalWriterOptions writer;
  // Offsets reserved ahead (two blocks): what a crash can leave as a hole, and what lets the
  // loop go on while the writer commits the next reservation. The least block: it grows with
  // the hand-out rate (ReservationSizer) up to Journal::kMaxReservationBlock. 16 384: a round
  // trip of the writer at a moderate rate stays well inside it.
  std::uint64_t reservationBlock = 4 * OffsetAllocator::kDefaultBlock;
  // How many offsets at the tail the start reads for relayed events (Journal::relayedAtStart).
  std::uint64_t relayedScan = kRelayedScan;
  // The clock the hand-out rate and round trips are measured with (tests drive their own).
  std::function<std::chrono::steady_clock::time_point()> steadyNow;
};

// An event handed an offset lately, held in memory (Journal::recent).
struct RecentEvent {
  std::uint64_t offset = 0;  // 0: the entry is empty
  v1::EventType type = v1::EVENT_TYPE_UNSPECIFIED;
  ipc::SharedBytes body;
};

// What `plexusctl journal` shows.
struct JournalStatus {
  std::filesystem::path directory;
  std::bitset<ipc::kEventTypeSlots> types;
  bool fullSync = false;
  std::uint64_t nextOffset = 0;  // the next offset to hand out
  std::uint64_t reservedThrough = 0;
  std::uint64_t journaled = 0;         // events queued for writing with an offset
  std::uint64_t overflow = 0;          // offsets recorded as holes: the queue was full
  std::uint64_t unjournaled = 0;       // events of journaled types delivered without an offset
  std::uint64_t queued = 0;            // waiting for the journal thread now
  std::uint64_t reservationBlock = 0;  // the block the next reservation is sized with
  std::optional<Hole> crashHole;       // what this start recorded for a crashed previous run
  CommitNotice last;                   // the journal thread's latest totals
};

class Journal {
 public:
  // A reservation reaches at most two of these ahead: the largest Crash hole a kill leaves.
  static constexpr std::uint64_t kMaxReservationBlock = std::uint64_t{1} << 20;

  // Takes `store` (opened) and starts the journal thread; `lockFd` (closed by the destructor,
  // -1 for none) is the lock that keeps other nodes out. Throws std::runtime_error when the
  // store refuses the first reservation (start-up). With `reader` (a second connection to the
  // same journal), reads of committed offsets are served by a reader thread of their own
  // (JournalReader), not after the journal thread's next group commit.
  Journal(std::unique_ptr<JournalStore> store, const JournalSettings& settings, int lockFd = -1,
          std::unique_ptr<JournalReads> reader = nullptr);
  ~Journal();  // stop()
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  bool journals(v1::EventType type) const { return m_types.test(static_cast<std::size_t>(type)); }
  const std::bitset<ipc::kEventTypeSlots>& types() const { return m_types; }
  // For a just-published event of a journaled type: its offset (queued for writing, or an
  // Overflow hole), or 0 when it got none. Precondition: journals(type).
  std::uint64_t record(v1::EventType type, const ipc::SharedBytes& body) {
    return *take(type, body, false);
  }
  // As record(), but when the journal thread's queue is full or no reserved offset is left:
  // nullopt, and nothing is handed out (a publisher that can wait for room: one a durable module
  // subscribes to). Room, or the next reservation, comes with a later notice (onNotices).
  std::optional<std::uint64_t> tryRecord(v1::EventType type, const ipc::SharedBytes& body) {
    return take(type, body, true);
  }

  // ---- durable modules ----
  // The highest offset handed out so far (0 when none).
  std::uint64_t lastOffset() const { return m_allocator.next() - 1; }
  // The event with `offset` while it is still held in memory, else nullptr (evicted, or never
  // handed out). Every offset handed out enters, Overflow holes included (they are delivered).
  const RecentEvent* recent(std::uint64_t offset) const {
    const RecentEvent& entry = m_recent[offset & (kRecentEvents - 1)];
    return entry.offset == offset && offset != 0 ? &entry : nullptr;
  }
  std::optional<Cursor> cursor(const std::string& moduleId) const;
  std::vector<Cursor> cursors() const;  // by module id
  // Keeps `cursor` and queues it for the journal thread (written with its next group).
  void saveCursor(const Cursor& cursor);
  bool forgetCursor(const std::string& moduleId);  // false: it had none
  // A read of the journal (its id is assigned here): `done` gets the result on this thread,
  // from onReads() - or at once when the journal has stopped (ok = false). With a reader, a read
  // from an offset the journal thread committed (as the latest notice says) goes to it, its
  // `to` cut to that offset when request.mayStopAtCommitted, else only when it is within.
  using ReadDone = std::function<void(ReadResult&)>;
  void requestRead(ReadRequest request, ReadDone done);
  ReadResults& reads() { return m_reads; }
  void onReads();  // drains reads() and calls each read's `done` (the owner, when readable)

  JournalWriter::Notices& notices() { return m_notices; }
  void onNotices();  // drains notices() (the owner, when it is readable)

  // The relayed events among the last JournalSettings::relayedScan offsets when the journal
  // opened (journal order), handed over once: the node's RelayedOffsets starts with them.
  std::vector<RelayedOrigin> takeRelayedAtStart() { return std::move(m_relayedAtStart); }

  JournalStatus status();
  // Writes what is queued and ends the journal thread; the reservation shrinks to what was
  // handed out. Idempotent; record() afterwards gives 0.
  void stop();

 private:
  const std::filesystem::path m_directory;
  const std::bitset<ipc::kEventTypeSlots> m_types;
  const bool m_fullSync;
  static constexpr std::uint64_t kRecentEvents = 16384;  // a power of two
  static constexpr std::size_t kRecentBytes = 8u << 20;
  void remember(std::uint64_t offset, v1::EventType type, const ipc::SharedBytes& body);
  std::optional<std::uint64_t> take(v1::EventType type, const ipc::SharedBytes& body, bool mayWait);
  // Asks the writer for the next reservation when less than a block is left (one travels at a
  // time; it is raised when the block grew by a whole block since it was asked for).
  void reserveAhead();

  JournalWriter::Notices m_notices;
  ReadResults m_reads;
  OffsetAllocator m_allocator;
  std::map<std::string, Cursor> m_cursors;
  std::unordered_map<std::uint64_t, ReadDone> m_pendingReads;
  std::uint64_t m_lastReadId = 0;
  std::vector<RecentEvent> m_recent;  // by offset modulo kRecentEvents
  std::vector<RelayedOrigin> m_relayedAtStart;
  std::uint64_t m_oldestRecent = 1;  // the oldest offset that may still be held
  std::size_t m_recentBytes = 0;
  std::unique_ptr<JournalWriter> m_writer;
  std::unique_ptr<JournalReader> m_reader;  // null without a second connection
  std::uint64_t m_requested = 0;            // the reservation asked of the writer last
  // How far ahead to reserve: the configured block, more at high hand-out rates.
  ReservationSizer m_sizer;
  std::function<std::chrono::steady_clock::time_point()> m_now;
  // While a reservation travels: when it was asked for, when it was last raised, and the
  // writer's failures then (a round trip with failures is no measure of the writer).
  std::optional<std::chrono::steady_clock::time_point> m_requestedAt;
  std::chrono::steady_clock::time_point m_raisedAt{};
  std::uint64_t m_failuresAtRequest = 0;
  CommitNotice m_speedMark;  // the busy totals the writer's speed was last sampled at
  // Offsets asked for: handed out, plus events that went without one.
  std::uint64_t demand() const { return m_allocator.next() + m_unjournaled; }
  std::uint64_t m_journaled = 0;
  std::uint64_t m_overflow = 0;
  std::uint64_t m_unjournaled = 0;
  CommitNotice m_last;
  RateLimitedLog m_log;
  int m_lockFd;
  bool m_stopped = false;
  ThreadChecker m_thread;
};

// The node's journal at settings.directory: creates the directory (0700) when missing, takes its
// lock (journal.lock: one node per journal), opens journal.sqlite. Throws std::runtime_error
// naming the directory when it cannot (in use by another node, not writable, not a journal).
std::unique_ptr<Journal> openJournal(const JournalSettings& settings);

}  // namespace plexus::host
