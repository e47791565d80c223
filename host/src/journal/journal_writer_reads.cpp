// JournalWriter: reads served by the journal thread, and durable modules' cursors (saved and
// forgotten on the owner's side, written with the groups by the journal thread).

#include <algorithm>
#include <cassert>
#include <utility>

#include "journal/journal_read_serve.h"
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
    m_reads->push(stoppedRead(request));
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

ReadResult stoppedRead(const ReadRequest& request) {
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

void JournalWriter::serve(const ReadRequest& request) {
  PLEXUS_ASSERT_THREAD(m_journalThread);
  ReadResult result = serveRead(*m_store, request, m_store->lastOffset(), m_pendingHoles);
  if (m_reads != nullptr) m_reads->push(std::move(result));
}

}  // namespace plexus::host
