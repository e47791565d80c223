#pragma once

// PendingEvents: the events the run() loop received and has not handled yet, a FIFO per lane,
// taken highest lane first: lifecycle, then critical, then event (docs/design.md "Priority
// lane"). So a critical event received while the loop works through a long event-lane batch is
// handled after the current handler, not after the batch. Memory is bounded by the node's
// credit: at most channel_capacity + critical_capacity acked events (plus lifecycle events)
// are ever outstanding.
// LaneAcks: the credit to return per acked lane (cumulative, through the last handled seq).
// Thread rule: the thread in Module::run() only (plain values owned by Module::Impl).

#include <plexus/v1/wire.pb.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>

#include "plexus/ipc/event_batch_codec.h"
#include "plexus/sdk/module.h"

namespace plexus::sdk::detail {

class PendingEvents {
 public:
  struct Event {
    v1::Lane lane = v1::LANE_UNSPECIFIED;
    const v1::EventMeta* meta = nullptr;
    std::string_view body;

    // What its handler is given: `event` (its body, parsed) with its meta (sequence, gap,
    // journal offset and flags: absent, so 0, below 1.4) and lane.
    Delivery delivery(const v1::Event& event) const {
      return Delivery(event, meta->seq(), meta->dropped_before(), lane, meta->offset(),
                      meta->flags());
    }
  };

  // Queues a decoded batch on its lane (LANE_LIFECYCLE, LANE_CRITICAL or LANE_EVENT).
  void push(ipc::ReceivedBatch&& batch);
  bool empty() const { return m_count == 0; }
  // Whether a critical event waits (its lane's credit goes back once none does).
  bool hasCritical() const { return !m_lanes[1].batches.empty(); }
  std::size_t size() const { return m_count; }
  // The next event to handle: the oldest of the highest non-empty lane. Precondition: !empty().
  // Valid until pop().
  Event front() const;
  void pop();

 private:
  struct Queue {
    std::deque<ipc::ReceivedBatch> batches;
    std::size_t next = 0;  // in batches.front()
  };
  static std::size_t rank(v1::Lane lane);  // 0 = first served
  std::size_t firstNonEmpty() const;       // index into m_lanes; precondition: !empty()

  std::array<Queue, 3> m_lanes;  // lifecycle, critical, event
  std::size_t m_count = 0;
};

class LaneAcks {
 public:
  // `every`: the events of a lane handled before its credit goes back, per acked lane.
  LaneAcks(std::uint64_t eventEvery, std::uint64_t criticalEvery)
      : m_lanes{{{eventEvery}, {criticalEvery}}} {}

  // An event of `lane` was handled. True when that lane's credit is due now (then take()).
  bool handled(v1::Lane lane, std::uint64_t seq);
  bool anyUnacked() const { return m_lanes[0].unacked > 0 || m_lanes[1].unacked > 0; }
  bool unacked(v1::Lane lane) const { return at(lane).unacked > 0; }
  // The seq to ack on `lane`; that lane owes nothing afterwards.
  std::uint64_t take(v1::Lane lane);

 private:
  struct Lane {
    std::uint64_t every = 1;
    std::uint64_t handledThrough = 0;
    std::uint64_t unacked = 0;
  };
  Lane& at(v1::Lane lane) { return m_lanes[lane == v1::LANE_CRITICAL ? 1 : 0]; }
  const Lane& at(v1::Lane lane) const { return m_lanes[lane == v1::LANE_CRITICAL ? 1 : 0]; }

  std::array<Lane, 2> m_lanes;  // event, critical
};

}  // namespace plexus::sdk::detail
