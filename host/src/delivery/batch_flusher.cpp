#include "delivery/batch_flusher.h"

#include <utility>
#include <vector>

namespace plexus::host {

BatchFlusher::BatchFlusher(EventSink& sink, Limits limits,
                           std::function<SteadyClock::time_point()> steadyNow)
    : m_sink(sink), m_limits(limits), m_steadyNow(std::move(steadyNow)) {}

void BatchFlusher::addDirty(ModuleSlot& slot) {
  slot.dirty = true;
  m_dirty.push_back(&slot);
}

void BatchFlusher::forget(const ModuleSlot& slot) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (slot.dirty) std::erase(m_dirty, &slot);
}

void BatchFlusher::flush() {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (m_dirty.empty()) return;
  std::vector<ModuleSlot*> dirty;
  dirty.swap(m_dirty);
  m_backlogged = false;
  for (ModuleSlot* slot : dirty) {
    slot->dirty = false;
    if (!slot->attached() || slot->unreachable) continue;
    if (!flushSlot(*slot)) {
      markDirty(*slot);
      m_backlogged = true;
    }
  }
}

// Counts a batch the transport took; notes an unreachable peer once. True when sent.
bool BatchFlusher::sent(ModuleSlot& slot, SendStatus status) {
  if (status == SendStatus::Unreachable && !slot.unreachable) {
    slot.unreachable = true;
    m_unreachable.push_back(slot.id);
  }
  if (status != SendStatus::Sent) return false;
  ++m_batchesSent;
  m_eventsSent += m_scratch.size();
  return true;
}

// Lifecycle lane first, then the critical lane, then the event lane. False when the transport
// would block (the slot is retried); true when all was sent or the peer is unreachable.
bool BatchFlusher::flushSlot(ModuleSlot& slot) {
  DeliveryChannel& channel = *slot.channel;
  while (channel.hasLifecycle()) {
    m_scratch.clear();
    channel.peekLifecycle(m_scratch, m_limits.maxBatchEvents);
    const SendStatus status = m_sink.sendEvents(slot.id, v1::LANE_LIFECYCLE, m_scratch);
    if (!sent(slot, status)) return status != SendStatus::WouldBlock;
    channel.markLifecycleSent(m_scratch.size());
  }
  for (AckedLane lane : {AckedLane::Critical, AckedLane::Event, AckedLane::Replay}) {
    if (slot.laneIfAny(lane) == nullptr) continue;
    const SendStatus status = flushLane(slot, lane);
    if (status != SendStatus::Sent) return status != SendStatus::WouldBlock;
  }
  if (slot.requested && slot.requested->done) {  // its last event left: the replay's end
    const SendStatus status = m_sink.sendReplayEnd(slot.id, replayEnd(*slot.requested));
    if (status == SendStatus::WouldBlock) return false;
    slot.requested.reset();
  }
  return true;
}

v1::ReplayEnd BatchFlusher::replayEnd(const RequestedReplay& replay) {
  v1::ReplayEnd end;
  end.set_replay_id(replay.id);
  end.set_from_offset(replay.from);
  end.set_through_offset(replay.through);
  end.set_events(replay.events);
  end.set_journal_holes(replay.holes);
  end.set_trimmed(replay.trimmed);
  end.set_journal_first_offset(replay.journalFirst);
  return end;
}

// Sends what one acked lane queued: Sent when all of it left, else why the rest did not.
SendStatus BatchFlusher::flushLane(ModuleSlot& slot, AckedLane lane) {
  DeliveryChannel& channel = slot.lane(lane);
  while (channel.queued() > 0) {
    m_scratch.clear();
    channel.peekQueued(m_scratch, m_limits.maxBatchEvents, m_limits.maxBatchBytes);
    if (!slot.module.offsets) {  // below 1.4: the module is sent no journal offsets or flags
      for (ipc::OutgoingEvent& event : m_scratch) {
        event.offset = 0;
        event.flags = 0;
      }
    }
    const SendStatus status = m_sink.sendEvents(slot.id, wireLane(lane), m_scratch);
    if (!sent(slot, status)) return status;
    if (!slot.hasInFlight()) slot.unackedSince = m_steadyNow();
    channel.markSent(m_scratch.size());
  }
  return SendStatus::Sent;
}

std::vector<std::string> BatchFlusher::takeUnreachable() {
  PLEXUS_ASSERT_THREAD(m_thread);
  return std::exchange(m_unreachable, {});
}

}  // namespace plexus::host
