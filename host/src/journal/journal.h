#pragma once

// Journal: the journal as the node runs it (issue 13, stage 2; docs/design.md "Journal"). It
// owns the OffsetAllocator and the JournalWriter (which owns the store). For each published
// event of a journaled type, record() hands out the next offset and queues the event for the
// journal thread; the event loop never waits on the disk:
// - the writer's queue is full: the offset becomes a recorded hole (Overflow), counted;
// - no durable reservation is left (the store has been refusing writes for a while, or a burst
//   outran a reservation's round trip): the event gets no offset (0), counted as unjournaled
//   and logged; an offset is never reused. The reservation block grows with the offsets handed
//   out during a round trip (up to kMaxReservationBlock), so a burst that fills the writer's
//   queue turns into Overflow holes rather than unjournaled events.
// The writer's CommitNotices come back through notices(), which the owner polls
// (EventLoop::addQueue) and drains with onNotices(); they extend the reservation.
// stop() is the clean stop: what is queued is written and the next start finds no Crash hole.
// Thread rule: one thread, the owner's (the event loop; asserted); the writer has its own.

#include <bitset>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "journal/journal_store.h"
#include "journal/journal_writer.h"
#include "journal/offset_allocator.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/shared_bytes.h"
#include "plexus/ipc/thread_checker.h"
#include "runtime/rate_limited_log.h"

namespace plexus::host {

struct JournalSettings {
  std::filesystem::path directory;  // holds journal.sqlite and journal.lock
  std::bitset<ipc::kEventTypeSlots> types;
  SqliteOptions sqlite;
  JournalWriterOptions writer;
  // Offsets reserved ahead (two blocks): what a crash can leave as a hole, and what lets the
  // loop go on while the writer commits the next reservation. 16 384: a round trip of the
  // writer at its full rate (~300 000 events/s, groups of a few ms) stays well inside it.
  std::uint64_t reservationBlock = 4 * OffsetAllocator::kDefaultBlock;
};

// What `plexusctl journal` shows.
struct JournalStatus {
  std::filesystem::path directory;
  std::bitset<ipc::kEventTypeSlots> types;
  bool fullSync = false;
  std::uint64_t nextOffset = 0;  // the next offset to hand out
  std::uint64_t reservedThrough = 0;
  std::uint64_t journaled = 0;    // events queued for writing with an offset
  std::uint64_t overflow = 0;     // offsets recorded as holes: the queue was full
  std::uint64_t unjournaled = 0;  // events of journaled types delivered without an offset
  std::uint64_t queued = 0;       // waiting for the journal thread now
  std::optional<Hole> crashHole;  // what this start recorded for a crashed previous run
  CommitNotice last;              // the journal thread's latest totals
};

class Journal {
 public:
  static constexpr std::uint64_t kMaxReservationBlock = std::uint64_t{1} << 22;

  // Takes `store` (opened) and starts the journal thread; `lockFd` (closed by the destructor,
  // -1 for none) is the lock that keeps other nodes out. Throws std::runtime_error when the
  // store refuses the first reservation (start-up).
  Journal(std::unique_ptr<JournalStore> store, const JournalSettings& settings, int lockFd = -1);
  ~Journal();  // stop()
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  bool journals(v1::EventType type) const { return m_types.test(static_cast<std::size_t>(type)); }
  // For a just-published event of a journaled type: its offset (queued for writing, or an
  // Overflow hole), or 0 when it got none. Precondition: journals(type).
  std::uint64_t record(v1::EventType type, const ipc::SharedBytes& body);

  JournalWriter::Notices& notices() { return m_notices; }
  void onNotices();  // drains notices() (the owner, when it is readable)

  JournalStatus status();
  // Writes what is queued and ends the journal thread; the reservation shrinks to what was
  // handed out. Idempotent; record() afterwards gives 0.
  void stop();

 private:
  const std::filesystem::path m_directory;
  const std::bitset<ipc::kEventTypeSlots> m_types;
  const bool m_fullSync;
  JournalWriter::Notices m_notices;
  OffsetAllocator m_allocator;
  std::unique_ptr<JournalWriter> m_writer;
  std::uint64_t m_requested = 0;  // the reservation asked of the writer last
  // Reservation block: the configured one, or more when offsets went out faster than a
  // reservation's round trip through the writer (a burst beyond what the disk takes).
  const std::uint64_t m_minBlock;
  std::uint64_t m_block;
  // The demand (offsets handed out + events left unjournaled) when m_requested was asked.
  std::uint64_t m_demandAtRequest = 0;
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
