// JournalReader: the reader thread - reads of committed offsets on a connection of its own.

#include "journal/journal_reader.h"

#include <cassert>
#include <utility>

#include "journal/journal_read_serve.h"

namespace plexus::host {

JournalReader::JournalReader(std::unique_ptr<JournalReads> reads, ReadResults& results)
    : m_store(std::move(reads)), m_results(results) {
  m_thread = std::thread([this] { run(); });
}

JournalReader::~JournalReader() {
  stop();
}

void JournalReader::request(ReadRequest request, std::uint64_t committedThrough) {
  PLEXUS_ASSERT_THREAD(m_owner);
  assert(request.from >= 1 && request.maxEvents >= 1 && request.to <= committedThrough);
  if (m_stopped) {
    m_results.push(stoppedRead(request));
    return;
  }
  {
    MutexLock lock(m_mutex);
    m_pending.push_back({std::move(request), committedThrough});
  }
  m_wake.notify_one();
}

void JournalReader::stop() {
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

void JournalReader::run() {
  PLEXUS_ASSERT_THREAD(m_readerThread);
  std::vector<Pending> work;
  for (;;) {
    bool stopping = false;
    {
      MutexLock lock(m_mutex);
      lock.wait(m_wake, [&]() PLEXUS_REQUIRES(m_mutex) { return m_stop || !m_pending.empty(); });
      work.swap(m_pending);
      stopping = m_stop;
    }
    for (const Pending& pending : work)
      m_results.push(serveRead(*m_store, pending.request, pending.committedThrough));
    work.clear();
    if (stopping) return;
  }
}

}  // namespace plexus::host
