#pragma once

// DeliveryChannel: the two lanes of one module incarnation.
// - Event lane: `capacity` slots. A slot is held from acceptance until the module acks the
//   event, so queued + in_flight <= capacity exactly. Entries live in a fixed ring:
//   [head, head + inFlight) were sent, [head + inFlight, head + held) wait to be sent.
//   Block-policy events that found no room wait in a separate FIFO without holding a slot.
// - Lifecycle lane: host lifecycle events, never dropped, not counted, sent first; never
//   journaled (their offset is 0).
// Sequence numbers are per lane, 1-based; a dropped event still consumes its event-lane seq,
// so the gap before the next delivered event is its dropped_before.
// Thread rule: loop thread only (owned by the EventManager); the methods that change the
// channel check it.

#include <cstdint>
#include <deque>
#include <vector>

#include "delivery/hold_histogram.h"
#include "plexus/ipc/event_batch_codec.h"
#include "plexus/ipc/result.h"
#include "plexus/ipc/shared_bytes.h"
#include "plexus/ipc/thread_checker.h"

namespace plexus::host {

struct BlockedEvent {
  std::uint64_t seq = 0;
  ipc::SharedBytes body;
  std::uint32_t publishId = 0;  // the waiting publish (BlockedPublishes::Id)
  std::uint64_t offset = 0;     // journal offset (0 = not journaled), kept until admitted
};

class DeliveryChannel {
 public:
  explicit DeliveryChannel(std::uint32_t capacity);

  std::uint32_t capacity() const { return m_capacity; }
  std::uint32_t held() const { return m_held; }
  std::uint32_t inFlight() const { return m_inFlight; }
  std::uint32_t queued() const { return m_held - m_inFlight; }
  bool hasRoom() const { return m_held < m_capacity; }

  std::uint64_t assignSeq() { return ++m_lastAssignedSeq; }

  // Takes a slot. Precondition: hasRoom(). `offset`: the event's journal offset (0 = not
  // journaled), kept with it until it is acked; `flags`: its v1::EventFlag bits (a durable
  // module's catch-up: replayed, redelivered); `acceptedNs`: the steady clock at acceptance
  // (0: no hold time is recorded for it).
  void accept(std::uint64_t seq, const ipc::SharedBytes& body, std::uint64_t offset = 0,
              std::uint32_t flags = 0, std::int64_t acceptedNs = 0);
  // A hint that accept() comes soon: starts loading the ring slot it would write (publish
  // touches one ring slot per subscriber, each in its own channel: a cache miss apiece with
  // many subscribers). Harmless when the lane is full: the index stays inside the ring.
  void prefetchAccept() const { __builtin_prefetch(&m_ring[index(m_held)], 1, 3); }

  // Releases every sent event with seq <= throughSeq; returns how many. Acking an event that
  // was never sent is a protocol error; acking an old seq again is harmless. With `holds`, each
  // released event's time held (acceptance to `nowNs`, steady clock) is observed there.
  Result<std::uint32_t> acknowledge(std::uint64_t throughSeq, HoldHistogram* holds = nullptr,
                                    std::int64_t nowNs = 0);
  // The highest journal offset among the events acked / sent so far (0 = none): a durable
  // module's cursor and redelivery mark (its journaled events travel in offset order).
  // sentOffset() looks through what is in flight (at most the capacity), so that sending costs
  // nothing extra: only a durable module's acks ask.
  std::uint64_t ackedOffset() const { return m_ackedOffset; }
  std::uint64_t sentOffset() const;

  // Appends up to `maxEvents` / `maxBytes` (at least one event) queued events to `out`, with
  // dropped_before computed against the last sent seq and their journal offsets. Nothing is
  // marked sent.
  void peekQueued(std::vector<ipc::OutgoingEvent>& out, std::size_t maxEvents,
                  std::size_t maxBytes) const;
  void markSent(std::size_t count);

  // Whether an accepted event with `seq` is still held (not yet acked).
  bool holds(std::uint64_t seq) const {
    return m_held > 0 && at(0).seq <= seq && seq <= at(m_held - 1).seq;
  }

  // Drops every held event (the module is gone); returns how many were held.
  std::uint32_t discardHeld();

  // Block-policy waiting room.
  bool hasBlocked() const { return !m_blocked.empty(); }
  std::uint32_t blockedCount() const { return static_cast<std::uint32_t>(m_blocked.size()); }
  void pushBlocked(BlockedEvent event) {
    PLEXUS_ASSERT_THREAD(m_thread);
    m_blocked.push_back(std::move(event));
  }
  BlockedEvent popBlocked();
  // Removes the waiting event with `seq`; false when it is no longer waiting.
  bool removeBlocked(std::uint64_t seq);
  std::deque<BlockedEvent> takeBlocked();

  // Lifecycle lane.
  void pushLifecycle(ipc::SharedBytes body);
  bool hasLifecycle() const { return !m_lifecycle.empty(); }
  void peekLifecycle(std::vector<ipc::OutgoingEvent>& out, std::size_t maxEvents) const;
  void markLifecycleSent(std::size_t count);

 private:
  struct Slot {
    std::uint64_t seq = 0;
    // Journal offset (0 = not journaled; offsets stay far below 2^56) and v1::EventFlag bits,
    // in one word.
    std::uint64_t offset : 56 = 0;
    std::uint64_t flags : 8 = 0;
    std::int64_t acceptedNs = 0;  // steady clock at acceptance (HoldHistogram); 0 = not recorded
    ipc::SharedBytes body;
  };
  struct LifecycleEntry {
    std::uint64_t seq = 0;
    ipc::SharedBytes body;
  };
  // offset < capacity and head < capacity: one compare instead of a division.
  std::uint32_t index(std::uint32_t offset) const {
    std::uint32_t i = m_head + offset;
    return i >= m_capacity ? i - m_capacity : i;
  }
  Slot& at(std::uint32_t offset) { return m_ring[index(offset)]; }
  const Slot& at(std::uint32_t offset) const { return m_ring[index(offset)]; }

  const std::uint32_t m_capacity;
  std::vector<Slot> m_ring;
  std::uint32_t m_head = 0;
  std::uint32_t m_held = 0;
  std::uint32_t m_inFlight = 0;
  std::uint64_t m_lastAssignedSeq = 0;
  std::uint64_t m_lastSentSeq = 0;
  std::uint64_t m_ackedOffset = 0;
  std::deque<BlockedEvent> m_blocked;
  std::deque<LifecycleEntry> m_lifecycle;
  std::uint64_t m_lastLifecycleSeq = 0;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
