#pragma once

// BatchFlusher: sends what the channels queued, once per loop iteration, so that events accepted
// in one iteration leave as one batch. Whatever queues something for a module marks its slot
// dirty; flush() sends each dirty module's lifecycle lane first, then its critical lane, then
// its event lane, then its replay lane (and, once a replay read all it asked for and its last
// event left, the replay's ReplayEnd), in batches of at most maxBatchEvents events and
// maxBatchBytes bytes (at least one event). A module without `offsets` (below 1.4) gets its events'
// journal offsets as 0, which the encoder leaves off the wire.
// - the transport would block: the rest stays queued, the module stays dirty, and
//   backlogged() asks for a retry soon;
// - the peer is unreachable: reported once through takeUnreachable(), then skipped.
// Thread rule: loop thread only (owned by the EventManager).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "delivery/event_sink.h"
#include "delivery/module_slot.h"
#include "delivery/publish_waiter.h"
#include "plexus/ipc/event_batch_codec.h"
#include "plexus/ipc/thread_checker.h"

namespace plexus::host {

class BatchFlusher {
 public:
  struct Limits {
    std::size_t maxBatchEvents = 1024;
    std::size_t maxBatchBytes = 1u << 20;
  };

  // `steadyNow` stamps when a module got its first event in flight (stall detection).
  BatchFlusher(EventSink& sink, Limits limits, std::function<SteadyClock::time_point()> steadyNow);

  // The slot has something to send (on the publish path: cheap, idempotent).
  void markDirty(ModuleSlot& slot) {
    PLEXUS_ASSERT_THREAD(m_thread);
    if (!slot.dirty) addDirty(slot);  // out of line: keeps the publish path's frame small
  }
  // The slot is about to be destroyed: forget that it was dirty.
  void forget(const ModuleSlot& slot);
  // Sends what every dirty, attached, reachable slot has queued.
  void flush();
  // The last flush left events queued because the transport would block.
  bool backlogged() const { return m_backlogged; }
  // Modules the transport reported unreachable since the last call.
  std::vector<std::string> takeUnreachable();

  std::uint64_t eventsSent() const { return m_eventsSent; }
  std::uint64_t batchesSent() const { return m_batchesSent; }

 private:
  void addDirty(ModuleSlot& slot);
  bool flushSlot(ModuleSlot& slot);
  SendStatus flushLane(ModuleSlot& slot, AckedLane lane);
  bool sent(ModuleSlot& slot, SendStatus status);
  static v1::ReplayEnd replayEnd(const RequestedReplay& replay);

  EventSink& m_sink;
  const Limits m_limits;
  std::function<SteadyClock::time_point()> m_steadyNow;
  std::vector<ModuleSlot*> m_dirty;
  bool m_backlogged = false;
  std::vector<std::string> m_unreachable;
  std::vector<ipc::OutgoingEvent> m_scratch;
  std::uint64_t m_eventsSent = 0;
  std::uint64_t m_batchesSent = 0;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
