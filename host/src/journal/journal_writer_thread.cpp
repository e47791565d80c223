// JournalWriter: the journal thread - group commit (with the pending cursors), failure holes,
// reads after the group, retention, notices.

#include <chrono>
#include <utility>

#include "journal/journal_writer.h"
#include "runtime/logging.h"
#include "runtime/rate_limited_log.h"

namespace plexus::host {

namespace {

std::int64_t systemNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void JournalWriter::run() {
  PLEXUS_ASSERT_THREAD(m_journalThread);
  RateLimitedLog log(logger("journal"), std::chrono::seconds(10));
  std::vector<JournalEvent> events;
  std::vector<Hole> holes;
  std::vector<ReadRequest> reads;
  events.reserve(m_options.queueCapacity);
  m_lastTrim = std::chrono::steady_clock::now();
  for (;;) {
    bool stopping = false;
    std::optional<std::uint64_t> cleanThrough;
    std::uint64_t reservation = 0;
    {
      MutexLock lock(m_mutex);
      // Wakes for work, or at the next retention tick (also a retry of failed holes).
      const std::uint64_t reserved = m_store->reservedThrough();
      // After a failed commit a reservation alone waits for the tick too (else the thread
      // would spin on a full disk, a notice each time).
      const bool retryLater = !m_totals.ok;
      // Pending cursors are no work: they wait for a group or the tick.
      auto hasWork = [&]() PLEXUS_REQUIRES(m_mutex) {
        return m_stop || !m_events.empty() || !m_holes.empty() ||
               (m_reservation > reserved && !retryLater) || !m_readRequests.empty();
      };
      if (!hasWork()) {
        m_idle = true;
        lock.waitFor(m_wake, nextTick(), hasWork);
        m_idle = false;
      }
      events.swap(m_events);
      holes.swap(m_holes);
      reads.swap(m_readRequests);
      m_pendingCursors.takeNewer(m_cursorChanges);
      stopping = m_stop;
      cleanThrough = m_cleanThrough;
      reservation = m_reservation;
    }
    const bool work = !events.empty() || !holes.empty() || !m_pendingHoles.empty() ||
                      reservation > m_store->reservedThrough() || cursorsDue(stopping);
    if (work) {
      commitGroup(events, holes, reservation);
      if (!m_totals.ok)
        log.warn("journal", [&] { return "journal write failed: " + m_totals.error; });
    }
    // After the group: a read sees every event queued before it was requested.
    for (const ReadRequest& read : reads)
      serve(read);
    reads.clear();
    maybeTrim(work);
    events.clear();
    holes.clear();
    if (!stopping) continue;
    // Offsets whose write failed and that no later group carried stay unwritten: the next open
    // records them as a Crash hole, which is what they are to a reader. The lines below are
    // the last of this journal: written whatever the rate limit (a write failure a moment ago
    // would hide them).
    const auto journalLog = logger("journal");
    if (!m_totals.ok) {
      journalLog->warn(
          "journal stopped while its store refused writes ({} failed commit(s), {} offset(s) not "
          "written since start): {}",
          m_totals.failures, m_totals.failedOffsets, m_totals.error);
    }
    if (cleanThrough) {
      if (Status closed = m_store->closeClean(*cleanThrough); !closed) {
        journalLog->warn(
            "journal clean stop failed: {}; the next start records the reserved offsets after "
            "the last one written as a Crash hole",
            closed.error().message);
      }
    }
    break;
  }
}

void JournalWriter::commitGroup(std::vector<JournalEvent>& events, std::vector<Hole>& holes,
                                std::uint64_t reservation) {
  PLEXUS_ASSERT_THREAD(m_journalThread);
  // A reservation goes ahead of a large group, in a transaction of its own: the owner may run
  // out of offsets while the group is written (one small commit per reservation block).
  constexpr std::size_t kReservationAloneAbove = 64;
  if (reservation > m_store->reservedThrough() &&
      events.size() + holes.size() > kReservationAloneAbove) {
    JournalBatch alone;
    alone.reservedThrough = reservation;
    if (m_store->append(alone)) notify(true, {});  // else the group carries it
  }
  JournalBatch batch;
  batch.events.swap(events);
  batch.holes = std::move(m_pendingHoles);
  m_pendingHoles.clear();
  for (const Hole& hole : holes)
    batch.holes.push_back(hole);
  batch.reservedThrough = reservation;
  addCursors(batch);
  const auto started = std::chrono::steady_clock::now();
  Status written = m_store->append(batch);
  events.swap(batch.events);  // the caller reuses the vector's capacity
  if (written) {
    ++m_totals.groups;
    if (events.size() >= CommitNotice::kSpeedSample) {
      m_totals.busyEvents += events.size();
      m_totals.busyNs +=
          static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                         std::chrono::steady_clock::now() - started)
                                         .count());
    }
    notify(true, {});
    return;
  }
  ++m_totals.failures;
  keepCursors(batch);  // a cursor is not lost to one failed commit
  if (isStorageFailure(written.error())) {
    // Nothing of the group is stored: its holes wait for the next group, its events become one.
    std::vector<Hole> pending;
    std::size_t e = 0;
    std::size_t h = 0;
    while (e < events.size() || h < batch.holes.size()) {
      if (h == batch.holes.size() ||
          (e < events.size() && events[e].offset < batch.holes[h].first)) {
        addHole(pending, Hole{events[e].offset, events[e].offset, Hole::Reason::WriteFailed});
        ++m_totals.failedOffsets;
        ++e;
      } else {
        addHole(pending, batch.holes[h++]);
      }
    }
    m_pendingHoles = std::move(pending);
  }
  notify(false, written.error().message);
}

void JournalWriter::maybeTrim(bool groupWritten) {
  PLEXUS_ASSERT_THREAD(m_journalThread);
  if (m_options.retention.unlimited()) return;
  if (groupWritten) ++m_groupsSinceTrim;
  const auto now = std::chrono::steady_clock::now();
  if (m_groupsSinceTrim < m_options.trimEveryGroups && now - m_lastTrim < m_options.trimInterval)
    return;
  m_groupsSinceTrim = 0;
  m_lastTrim = now;
  const std::int64_t wallNs = m_options.nowNs ? m_options.nowNs() : systemNowNs();
  Result<TrimResult> trimmed = m_store->trim(m_options.retention, wallNs);
  if (!trimmed) {
    ++m_totals.failures;
    return;
  }
  m_totals.trimmedEvents += trimmed->events;
}

void JournalWriter::notify(bool ok, std::string error) {
  PLEXUS_ASSERT_THREAD(m_journalThread);
  m_totals.committedThrough = m_store->lastOffset();
  m_totals.reservedThrough = m_store->reservedThrough();
  m_totals.ok = ok;
  m_totals.error = std::move(error);
  m_notices.push(m_totals);
}

}  // namespace plexus::host
