// JournalWriter: the owner's side - the bounded queue, reservations, stop (reads and cursors:
// journal_writer_reads.cpp).

#include "journal/journal_writer.h"

#include <utility>

namespace plexus::host {

void addHole(std::vector<Hole>& holes, const Hole& hole) {
  if (!holes.empty() && holes.back().reason == hole.reason && holes.back().last + 1 == hole.first) {
    holes.back().last = hole.last;
    return;
  }
  holes.push_back(hole);
}

JournalWriter::JournalWriter(std::unique_ptr<JournalStore> store, Notices& notices,
                             JournalWriterOptions options, ReadResults* reads)
    : m_store(std::move(store)), m_notices(notices), m_options(std::move(options)), m_reads(reads) {
  {
    MutexLock lock(m_mutex);
    m_events.reserve(m_options.queueCapacity);
  }
  m_thread = std::thread([this] { run(); });
}

JournalWriter::~JournalWriter() {
  stop();
}

bool JournalWriter::tryAppend(JournalEvent event) {
  PLEXUS_ASSERT_THREAD(m_owner);
  bool wake = false;
  {
    MutexLock lock(m_mutex);
    if (m_stop || m_events.size() >= m_options.queueCapacity) return false;
    m_events.push_back(std::move(event));
    wake = m_idle;
    m_idle = false;
  }
  if (wake) m_wake.notify_one();
  return true;
}

bool JournalWriter::recordHole(const Hole& hole) {
  PLEXUS_ASSERT_THREAD(m_owner);
  bool wake = false;
  {
    MutexLock lock(m_mutex);
    if (m_stop) return false;
    addHole(m_holes, hole);
    wake = m_idle;
    m_idle = false;
  }
  if (wake) m_wake.notify_one();
  return true;
}

void JournalWriter::requestReservation(std::uint64_t through) {
  PLEXUS_ASSERT_THREAD(m_owner);
  bool wake = false;
  {
    MutexLock lock(m_mutex);
    if (through <= m_reservation) return;
    m_reservation = through;
    wake = m_idle;
    m_idle = false;
  }
  if (wake) m_wake.notify_one();
}

std::size_t JournalWriter::queued() {
  PLEXUS_ASSERT_THREAD(m_owner);
  MutexLock lock(m_mutex);
  return m_events.size();
}

void JournalWriter::stopClean(std::uint64_t handedOutThrough) {
  PLEXUS_ASSERT_THREAD(m_owner);
  if (m_stopped) return;
  {
    MutexLock lock(m_mutex);
    m_cleanThrough = handedOutThrough;
  }
  stop();
}

void JournalWriter::stop() {
  PLEXUS_ASSERT_THREAD(m_owner);
  if (m_stopped) return;
  m_stopped = true;
  {
    MutexLock lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_one();
  m_thread.join();
}

}  // namespace plexus::host
