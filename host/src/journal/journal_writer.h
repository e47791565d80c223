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
// Reads (requestRead) are served by the journal thread too, after the group it took with them
// is committed, and answered through a second WakeQueue (ReadResults). Durable modules' cursors
// (saveCursor, forgetCursor) are coalesced per module id and ride with the next group, or go in
// a group of their own at the thread's next regular tick (`trimInterval`) when nothing else is
// queued: they never wake the thread, never delay events, and are written at most about once a
// tick when idle. A cursor of a group that failed stays pending for the next one.
// Thread rule: tryAppend(), recordHole(), requestReservation(), requestRead(), saveCursor(),
// forgetCursor(), queued(), stop() and stopClean() on the owner's thread (asserted); the store
// belongs to the journal thread from construction on; the notices and read results queues are
// drained by the owner and must be unbounded (notices are cumulative; results are one per
// request).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
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
  // Groups of at least kSpeedSample events: how many they held and how long their commits took
  // (the writer's speed when it has work; Journal sizes its reservation with it).
  static constexpr std::size_t kSpeedSample = 1024;
  std::uint64_t busyEvents = 0;
  std::uint64_t busyNs = 0;
  bool ok = true;     // the last group was written
  std::string error;  // why it was not, when !ok
};

// A read of the journal, served by the journal thread after it committed everything queued
// before the request (so a read up to the last offset handed out sees every event queued).
struct ReadRequest {
  std::uint64_t id = 0;             // the owner's tag, returned with the result
  std::uint64_t from = 0;           // first offset wanted (>= 1)
  std::uint64_t to = 0;             // last offset wanted (inclusive)
  std::size_t maxEvents = 0;        // >= 1
  std::vector<std::int32_t> types;  // v1::EventType values; empty = every type
  // Nonzero: the read starts at the first stored event whose time is >= sinceNs (resolved by
  // the journal thread; `from` is ignored), or past `to` when there is none.
  std::int64_t sinceNs = 0;
  // The caller reads on from reachedThrough + 1: the read may end at the last offset committed
  // (reachedThrough < to with fewer than maxEvents events) instead of waiting for the journal
  // thread to commit the rest, so that a reader of its own serves it at once (Journal).
  bool mayStopAtCommitted = false;
};

struct ReadResult {
  std::uint64_t id = 0;
  std::vector<JournalEvent> events;  // in offset order
  // Holes overlapping [from, reachedThrough], in order: recorded ones, and those of a failed
  // group that are still waiting to be recorded (WriteFailed).
  std::vector<Hole> holes;
  // Every offset in [from, reachedThrough] was looked at: `to` when fewer than maxEvents events
  // came back, else the offset of the last event returned. from - 1 when the read failed.
  std::uint64_t reachedThrough = 0;
  std::uint64_t firstOffset = 0;  // the oldest event the journal holds now, 0 when none (retention)
  std::uint64_t from = 0;         // where the read started: `from`, or what sinceNs resolved to
  // Nonzero: retention removed events the read asked for (offsets from `from` - with sinceNs,
  // from 1 when it resolved to the oldest event - below the oldest one that are not holes); the
  // journal now begins here.
  std::uint64_t trimmedBefore = 0;
  bool ok = true;
  std::string error;  // why not, when !ok (storage failure, or "journal stopped")
};

using ReadResults = ipc::WakeQueue<ReadResult>;

// The answer to a read the journal can no longer serve: ok = false, error "journal stopped".
ReadResult stoppedRead(const ReadRequest& request);

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

  // Starts the journal thread, which owns `store` from now on. Read results are pushed to
  // `reads` (needed for requestRead(): without it, a request is a programming error).
  JournalWriter(std::unique_ptr<JournalStore> store, Notices& notices,
                JournalWriterOptions options = {}, ReadResults* reads = nullptr);
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
  // Queues a read (from >= 1, maxEvents >= 1; asserted, as is the `reads` queue). Wakes the
  // thread, which serves queued reads in request order right after committing the group it
  // took with them: events queued before the request are in the result's range once committed
  // (appends queued after it may or may not be). Not bounded by queueCapacity (the owner keeps
  // one read outstanding per module). Every request gets exactly one result: requests queued
  // before stop() are served after the last group; after stop(), one is answered at once with
  // ok = false, error "journal stopped".
  void requestRead(ReadRequest request);
  // Stores `cursor` (keyed by its moduleId; a later save replaces a pending one) with the next
  // group, or at the next tick when nothing else is queued. Does not wake the thread. Ignored
  // after stop().
  void saveCursor(Cursor cursor);
  // Deletes the stored cursor of `moduleId` (and drops a pending save of it) with the next
  // group, with saveCursor()'s timing. A later saveCursor() for the id supersedes it.
  void forgetCursor(const std::string& moduleId);
  std::size_t queued();
  // Writes everything queued (pending cursors and forgets included: one last group; if the
  // store refuses it, they are lost and the failure is logged), serves the reads queued, then
  // ends the thread. Idempotent.
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

  // ---- journal_writer_reads.cpp: reads and cursors ----
  // Pending cursor changes: the latest save per module id, and the ids to delete (disjoint).
  struct CursorChanges {
    std::map<std::string, Cursor> saves;
    std::set<std::string> forgets;

    bool empty() const { return saves.empty() && forgets.empty(); }
    void save(Cursor cursor);
    void forget(const std::string& moduleId);
    void takeNewer(CursorChanges& newer);  // applies `newer` on top of these, empties it
  };
  // Journal thread: whether the pending cursors go now (in a group of their own when nothing
  // else is queued): when stopping, or a tick after the last cursor write.
  bool cursorsDue(bool stopping) const;
  // Journal thread: how long an idle wait lasts - a tick, or less when pending cursors are due
  // sooner.
  std::chrono::steady_clock::duration nextTick() const;
  // Journal thread: moves the pending cursor changes into `batch`; restored by keepCursors()
  // when the batch fails.
  void addCursors(JournalBatch& batch);
  void keepCursors(JournalBatch& batch);
  void serve(const ReadRequest& request);

  std::unique_ptr<JournalStore> m_store;
  Notices& m_notices;
  const JournalWriterOptions m_options;
  ReadResults* const m_reads;

  Mutex m_mutex;
  std::condition_variable m_wake;
  std::vector<JournalEvent> m_events PLEXUS_GUARDED_BY(m_mutex);
  std::vector<Hole> m_holes PLEXUS_GUARDED_BY(m_mutex);
  std::uint64_t m_reservation PLEXUS_GUARDED_BY(m_mutex) = 0;
  std::vector<ReadRequest> m_readRequests PLEXUS_GUARDED_BY(m_mutex);
  CursorChanges m_cursorChanges PLEXUS_GUARDED_BY(m_mutex);
  bool m_stop PLEXUS_GUARDED_BY(m_mutex) = false;
  std::optional<std::uint64_t> m_cleanThrough PLEXUS_GUARDED_BY(m_mutex);  // stopClean()
  bool m_idle PLEXUS_GUARDED_BY(m_mutex) = false;  // the thread waits for work

  // Journal thread only.
  std::vector<Hole> m_pendingHoles;  // of failed groups, written with the next one
  CursorChanges m_pendingCursors;    // taken from the owner, not yet written
  std::chrono::steady_clock::time_point m_lastCursorWrite{};
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
