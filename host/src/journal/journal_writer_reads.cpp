// JournalWriter: reads served by the journal thread, and durable modules' cursors (saved and
// forgotten on the owner's side, written with the groups by the journal thread).

#include <algorithm>
#include <cassert>
#include <utility>

#include "journal/journal_writer.h"

namespace plexus::host {

// ---- CursorChanges: the latest save per module id, or a forget; never both for one id ----

void JournalWriter::CursorChanges::save(Cursor cursor) {
  forgets.erase(cursor.moduleId);
  std::string moduleId = cursor.moduleId;
  saves.insert_or_assign(std::move(moduleId), std::move(cursor));
}

void JournalWriter::CursorChanges::forget(const std::string& moduleId) {
  saves.erase(moduleId);
  forgets.insert(moduleId);
}

void JournalWriter::CursorChanges::takeNewer(CursorChanges& newer) {
  // A save and a forget of one id are never both in `newer`: the order between them is moot.
  for (const std::string& moduleId : newer.forgets)
    forget(moduleId);
  for (auto& [moduleId, cursor] : newer.saves)
    save(std::move(cursor));
  newer.saves.clear();
  newer.forgets.clear();
}

// ---- the owner's side ----

void JournalWriter::requestRead(ReadRequest request) {
  PLEXUS_ASSERT_THREAD(m_owner);
  assert(m_reads != nullptr && "requestRead() needs the ReadResults queue");
  assert(request.from >= 1 && request.maxEvents >= 1);
  if (m_stopped) {
    m_reads->push(stoppedResult(request));
    return;
  }
  bool wake = false;
  {
    MutexLock lock(m_mutex);
    m_readRequests.push_back(std::move(request));
    wake = m_idle;
    m_idle = false;
  }
  if (wake) m_wake.notify_one();
}

void JournalWriter::saveCursor(Cursor cursor) {
  PLEXUS_ASSERT_THREAD(m_owner);
  if (m_stopped) return;
  MutexLock lock(m_mutex);
  m_cursorChanges.save(std::move(cursor));  // no wake-up: it goes with the next group or tick
}

void JournalWriter::forgetCursor(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_owner);
  if (m_stopped) return;
  MutexLock lock(m_mutex);
  m_cursorChanges.forget(moduleId);
}

ReadResult JournalWriter::stoppedResult(const ReadRequest& request) {
  ReadResult result;
  result.id = request.id;
  result.reachedThrough = request.from - 1;
  result.ok = false;
  result.error = "journal stopped";
  return result;
}

// ---- the journal thread ----

bool JournalWriter::cursorsDue(bool stopping) const {
  if (m_pendingCursors.empty()) return false;
  return stopping || std::chrono::steady_clock::now() - m_lastCursorWrite >= m_options.trimInterval;
}

std::chrono::steady_clock::duration JournalWriter::nextTick() const {
  const std::chrono::steady_clock::duration tick = m_options.trimInterval;
  if (m_pendingCursors.empty()) return tick;
  const auto due = m_lastCursorWrite + tick - std::chrono::steady_clock::now();
  return std::clamp(due, std::chrono::steady_clock::duration::zero(), tick);
}

void JournalWriter::addCursors(JournalBatch& batch) {
  PLEXUS_ASSERT_THREAD(m_journalThread);
  if (m_pendingCursors.empty()) return;
  for (auto& [moduleId, cursor] : m_pendingCursors.saves)
    batch.cursors.push_back(std::move(cursor));
  batch.forgetCursors.assign(m_pendingCursors.forgets.begin(), m_pendingCursors.forgets.end());
  m_pendingCursors.saves.clear();
  m_pendingCursors.forgets.clear();
  // Success or not: the next cursors-only attempt waits a tick (no retry loop on a full disk).
  m_lastCursorWrite = std::chrono::steady_clock::now();
}

void JournalWriter::keepCursors(JournalBatch& batch) {
  PLEXUS_ASSERT_THREAD(m_journalThread);
  CursorChanges failed;
  for (Cursor& cursor : batch.cursors)
    failed.save(std::move(cursor));
  for (const std::string& moduleId : batch.forgetCursors)
    failed.forget(moduleId);
  failed.takeNewer(m_pendingCursors);  // anything taken since is newer
  m_pendingCursors = std::move(failed);
}

Result<std::uint64_t> JournalWriter::trimmedBefore(std::uint64_t from, std::uint64_t to,
                                                   std::uint64_t first, bool bySince) {
  PLEXUS_ASSERT_THREAD(m_journalThread);
  // With sinceNs, events below the oldest may have been at or after the time too.
  if (bySince) from = (first != 0 && from == first) ? 1 : first + 1;
  const std::uint64_t below = first != 0 ? first - 1 : std::min(to, m_store->lastOffset());
  if (from == 0 || from > below) return std::uint64_t{0};
  // Offsets below the oldest event are holes or trimmed events: trimmed unless holes cover them.
  Result<std::vector<Hole>> holes = m_store->holes(from, below);
  if (!holes) return holes.error();
  std::uint64_t covered = from - 1;
  for (const Hole& hole : *holes) {
    if (hole.first > covered + 1) break;
    covered = std::max(covered, hole.last);
  }
  if (covered >= below) return std::uint64_t{0};
  return first != 0 ? first : m_store->lastOffset() + 1;
}

void JournalWriter::serve(const ReadRequest& request) {
  PLEXUS_ASSERT_THREAD(m_journalThread);
  ReadResult result;
  result.id = request.id;
  std::uint64_t from = request.from;
  auto fail = [&](const Error& error) {
    result.events.clear();
    result.holes.clear();
    result.reachedThrough = from - 1;
    result.ok = false;
    result.error = error.message;
  };
  Result<std::uint64_t> first = m_store->firstOffset();
  if (request.sinceNs != 0 && first) {
    Result<std::uint64_t> found = m_store->offsetAtOrAfter(request.sinceNs);
    if (!found)
      first = found.error();
    else
      from = *found != 0 ? *found : request.to + 1;
  }
  result.from = from;
  Result<std::vector<JournalEvent>> events =
      first ? m_store->read(from, request.to, request.maxEvents, request.types)
            : Result<std::vector<JournalEvent>>(first.error());
  Result<std::uint64_t> trimmed =
      events ? trimmedBefore(from, request.to, *first, request.sinceNs != 0) : events.error();
  if (!first) {
    fail(first.error());
  } else if (!events) {
    fail(events.error());
  } else if (!trimmed) {
    fail(trimmed.error());
  } else {
    result.events = std::move(*events);
    result.firstOffset = *first;
    result.trimmedBefore = *trimmed;
    result.reachedThrough =
        result.events.size() < request.maxEvents ? request.to : result.events.back().offset;
    Result<std::vector<Hole>> holes = m_store->holes(from, result.reachedThrough);
    if (!holes) {
      fail(holes.error());
    } else {
      result.holes = std::move(*holes);
      // Offsets of failed groups not yet recorded hold no event either: holes to the reader.
      bool added = false;
      for (const Hole& hole : m_pendingHoles) {
        if (hole.last < from || hole.first > result.reachedThrough) continue;
        result.holes.push_back(hole);
        added = true;
      }
      if (added)
        std::sort(result.holes.begin(), result.holes.end(),
                  [](const Hole& a, const Hole& b) { return a.first < b.first; });
    }
  }
  if (m_reads != nullptr) m_reads->push(std::move(result));
}

}  // namespace plexus::host
