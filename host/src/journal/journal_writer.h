#pragma once

// JournalWriter: the journal's own thread (issue 13, docs/design.md "Journal store"). The owner
// (the event loop) queues events without ever touching the disk; the thread takes everything
// queued at once and commits it as one group (one transaction), trims per retention every
// `trimEveryGroups` groups or `trimInterval`, and posts a CommitNotice back to the owner through
// a WakeQueue the owner polls (EventLoop::addQueue).
// The queue is bounded: tryAppend() answers false when it is full, and the caller decides
// whether to wait (for a notice) or to record the offset as a hole (recordHole, reason
// Overflow). Memory: at most `queueCapacity` queued events plus the group being written.
// A storage failure (disk full, I/O error) turns the group's offsets into a recorded hole
// (WriteFailed), written with the next group that succeeds; failures are counted and logged
// (rate-limited), and writing resumes by itself once the store accepts writes again. A group
// the store refuses as invalid (a caller's bug) is dropped, counted and logged.
// Thread rule: tryAppend(), recordHole(), requestReservation(), queued() and stop() on the
// owner's thread (asserted); the store belongs to the journal thread from construction on; the
// notices queue is drained by the owner and must be unbounded (notices are cumulative).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "journal/journal_store.h"
#include "plexus/ipc/thread_annotations.h"
#include "plexus/ipc/thread_checker.h"
#include "plexus/ipc/wake_queue.h"

namespace plexus::host {

// What the journal thread reports after each group; totals, so a later notice supersedes an
// earlier one.
struct CommitNotice {
  std::uint64_t committedThrough = 0;  // every offset <= this is stored, as an event or a hole
  std::uint64_t reservedThrough = 0;   // the durable reservation (OffsetAllocator::onReserved)
  std::uint64_t groups = 0;            // groups committed
  std::uint64_t failures = 0;          // failed group commits and trims
  std::uint64_t failedOffsets = 0;     // offsets whose write failed (recorded as holes)
  std::uint64_t trimmedEvents = 0;
  bool ok = true;     // the last group was written
  std::string error;  // why it was not, when !ok
};

struct ReadRequest {
  std::uint64_t id = 0;
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  std::size_t maxEvents = 0;
  std::vector<std::int32_t> types;
};
struct ReadResult {
  std::uint64_t id = 0;
  std::vector<JournalEvent> events;
  std::vector<Hole> holes;
  std::uint64_t reachedThrough = 0;
  std::uint64_t firstOffset = 0;
  bool ok = true;
  std::string error;
};
using ReadResults = ipc::WakeQueue<ReadResult>;

struct JournalWriterOptions {
  std::size_t queueCapacity = 65536;
  Retention retention;
  std::uint32_t trimEveryGroups = 32;
  std::chrono::milliseconds trimInterval{100};
  // Wall-clock nanoseconds for retention by age (default: std::chrono::system_clock).
  std::function<std::int64_t()> nowNs;
};

class JournalWriter {
 public:
  using Notices = ipc::WakeQueue<CommitNotice>;

  // Starts the journal thread, which owns `store` from now on.
  JournalWriter(std::unique_ptr<JournalStore> store, Notices& notices,
                JournalWriterOptions options = {}, ReadResults* reads = nullptr);
  void requestRead(ReadRequest request);
  void saveCursor(Cursor cursor);
  void forgetCursor(const std::string& moduleId);
  ~JournalWriter();  // stop()
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Queues `event` (its offset above every offset queued before). False when the queue is
  // full or the writer stopped: the event was not taken.
  bool tryAppend(JournalEvent event);
  // Records offsets that will hold no event (adjacent holes of one reason are merged). Never
  // refused before stop().
  bool recordHole(const Hole& hole);
  // Asks the thread to persist reserved_through >= `through` with its next group (committing
  // one for it alone when nothing else is queued).
  void requestReservation(std::uint64_t through);
  std::size_t queued();
  // Writes everything queued, then ends the thread. Idempotent.
  void stop();
  // A clean stop: as stop(), then tells the store that nothing above `handedOutThrough` was
  // handed out (JournalStore::closeClean), so the next start records no Crash hole.
  void stopClean(std::uint64_t handedOutThrough);

 private:
  // ---- journal_writer_thread.cpp: the journal thread ----
  void run();
  void commitGroup(std::vector<JournalEvent>& events, std::vector<Hole>& holes,
                   std::uint64_t reservation);
  void maybeTrim(bool groupWritten);
  void notify(bool ok, std::string error);

  std::unique_ptr<JournalStore> m_store;
  Notices& m_notices;
  const JournalWriterOptions m_options;

  Mutex m_mutex;
  std::condition_variable m_wake;
  std::vector<JournalEvent> m_events PLEXUS_GUARDED_BY(m_mutex);
  std::vector<Hole> m_holes PLEXUS_GUARDED_BY(m_mutex);
  std::uint64_t m_reservation PLEXUS_GUARDED_BY(m_mutex) = 0;
  bool m_stop PLEXUS_GUARDED_BY(m_mutex) = false;
  std::optional<std::uint64_t> m_cleanThrough PLEXUS_GUARDED_BY(m_mutex);  // stopClean()
  bool m_idle PLEXUS_GUARDED_BY(m_mutex) = false;  // the thread waits for work

  // Journal thread only.
  std::vector<Hole> m_pendingHoles;  // of failed groups, written with the next one
  std::uint32_t m_groupsSinceTrim = 0;
  std::chrono::steady_clock::time_point m_lastTrim{};
  CommitNotice m_totals;
  ThreadChecker m_journalThread;

  ThreadChecker m_owner;
  bool m_stopped = false;  // owner: stop() done
  std::thread m_thread;
};

// Appends `hole` to `holes`, merged with the last one when adjacent and of the same reason.
void addHole(std::vector<Hole>& holes, const Hole& hole);

}  // namespace plexus::host
