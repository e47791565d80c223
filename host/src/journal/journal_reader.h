#pragma once

// JournalReader: a thread of its own that serves reads of what the journal already committed,
// on a second connection (makeSqliteJournalReader), while the journal thread writes: in WAL
// mode a reader never waits for the writer. Without it, a read waits for the group commit ahead
// of it, and a durable module catching up while publishers keep the journal thread saturated
// gets one lane's room per group (docs/design.md "A reader of its own").
// Results go to the same ReadResults queue as the journal thread's (many producers).
// Thread rule: request() and stop() on the owner's thread (asserted); `reads` belongs to the
// reader thread from construction on.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "journal/journal_store.h"
#include "journal/journal_writer.h"
#include "plexus/ipc/thread_annotations.h"
#include "plexus/ipc/thread_checker.h"

namespace plexus::host {

class JournalReader {
 public:
  JournalReader(std::unique_ptr<JournalReads> reads, ReadResults& results);
  ~JournalReader();  // stop()
  JournalReader(const JournalReader&) = delete;
  JournalReader& operator=(const JournalReader&) = delete;

  // Queues a read of offsets the journal thread committed (request.to <= `committedThrough`,
  // the highest offset stored, event or hole; asserted). Every request gets exactly one result,
  // in request order; after stop(), at once with ok = false, error "journal stopped".
  void request(ReadRequest request, std::uint64_t committedThrough);
  // Serves the reads queued, then ends the thread. Idempotent.
  void stop();

 private:
  struct Pending {
    ReadRequest request;
    std::uint64_t committedThrough = 0;
  };
  void run();

  std::unique_ptr<JournalReads> m_store;
  ReadResults& m_results;

  Mutex m_mutex;
  std::condition_variable m_wake;
  std::vector<Pending> m_pending PLEXUS_GUARDED_BY(m_mutex);
  bool m_stop PLEXUS_GUARDED_BY(m_mutex) = false;

  ThreadChecker m_readerThread;
  ThreadChecker m_owner;
  bool m_stopped = false;  // owner: stop() done
  std::thread m_thread;
};

}  // namespace plexus::host
