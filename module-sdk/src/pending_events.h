#pragma once

// PendingEvents: the events the run() loop received and has not handled yet, a FIFO per lane,
// taken highest lane first: lifecycle, then critical, then event, then replay (docs/design.md
// "Priority lane"; replay must not starve live events). So a critical event received while the
// loop works through a long event-lane batch is handled after the current handler, not after the
// batch. A ReplayEnd (since 1.5) waits in the replay lane as a marker, after the replay events
// received before it. Memory is bounded by the node's credit: at most channel_capacity +
// critical_capacity + replay_capacity acked events (plus lifecycle events and ReplayEnds) are
// ever outstanding.
// LaneAcks: the credit to return per acked lane (cumulative, through the last handled seq).
// Thread rule: the thread in Module::run() only (plain values owned by Module::Impl).

#include <plexus/v1/wire.pb.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <utility>

#include "plexus/ipc/event_batch_codec.h"
#include "plexus/sdk/module.h"

namespace plexus::sdk::detail {

class PendingEvents {
 public:
  struct Event {
    v1::Lane lane = v1::LANE_UNSPECIFIED;
    const v1::EventMeta* meta = nullptr;
    std::string_view body;
    // Set instead of meta and body for a ReplayEnd marker (lane LANE_REPLAY).
    const v1::ReplayEnd* replayEnd = nullptr;

    // What its handler is given: `event` (its body, parsed) with its meta (sequence, gap,
    // journal offset and flags: absent, so 0, below 1.4) and lane.
    Delivery delivery(const v1::Event& event) const {
      return Delivery(event, meta->seq(), meta->dropped_before(), lane, meta->offset(),
                      meta->flags());
    }
  };

  // Queues a decoded batch on its lane (LANE_LIFECYCLE, LANE_CRITICAL, LANE_EVENT or
  // LANE_REPLAY).
  void push(ipc::ReceivedBatch&& batch);
  // Queues a ReplayEnd on the replay lane, after the replay events pushed before it.
  void push(v1::ReplayEnd&& end);
  bool empty() const { return m_count == 0 && m_replayEnds.empty(); }
  // Whether a critical event waits (its lane's credit goes back once none does).
  bool hasCritical() const { return !m_lanes[1].batches.empty(); }
  // Events waiting (ReplayEnd markers are not counted).
  std::size_t size() const { return m_count; }
  // The next event (or ReplayEnd) to handle: the oldest of the highest non-empty lane.
  // Precondition: !empty(). Valid until pop().
  Event front() const;
  void pop();

 private:
  struct Queue {
    std::deque<ipc::ReceivedBatch> batches;
    std::size_t next = 0;  // in batches.front()
  };
  static constexpr std::size_t kReplay = 3;  // the replay lane's index in m_lanes
  static std::size_t rank(v1::Lane lane);    // 0 = first served
  // Index into m_lanes; kReplay also when only a ReplayEnd waits. Precondition: !empty().
  std::size_t firstNonEmpty() const;
  // The first ReplayEnd is due: every replay event pushed before it was popped.
  bool replayEndDue() const {
    return !m_replayEnds.empty() && m_replayEnds.front().first == m_replayPopped;
  }

  std::array<Queue, 4> m_lanes;  // lifecycle, critical, event, replay
  std::size_t m_count = 0;
  // ReplayEnds, each with the number of replay events pushed before it.
  std::deque<std::pair<std::uint64_t, v1::ReplayEnd>> m_replayEnds;
  std::uint64_t m_replayPushed = 0;
  std::uint64_t m_replayPopped = 0;
};

class LaneAcks {
 public:
  // The acked lanes, in the order flushes go out.
  static constexpr std::array<v1::Lane, 3> kLanes{v1::LANE_CRITICAL, v1::LANE_EVENT,
                                                  v1::LANE_REPLAY};

  // `every`: the events of a lane handled before its credit goes back, per acked lane.
  LaneAcks(std::uint64_t eventEvery, std::uint64_t criticalEvery, std::uint64_t replayEvery)
      : m_lanes{{{eventEvery}, {criticalEvery}, {replayEvery}}} {}

  // An event of `lane` was handled. True when that lane's credit is due now (then take()).
  bool handled(v1::Lane lane, std::uint64_t seq);
  bool anyUnacked() const {
    return m_lanes[0].unacked > 0 || m_lanes[1].unacked > 0 || m_lanes[2].unacked > 0;
  }
  bool unacked(v1::Lane lane) const { return at(lane).unacked > 0; }
  // The seq to ack on `lane`; that lane owes nothing afterwards.
  std::uint64_t take(v1::Lane lane);

 private:
  struct Lane {
    std::uint64_t every = 1;
    std::uint64_t handledThrough = 0;
    std::uint64_t unacked = 0;
  };
  static std::size_t index(v1::Lane lane) {
    return lane == v1::LANE_CRITICAL ? 1 : lane == v1::LANE_REPLAY ? 2 : 0;
  }
  Lane& at(v1::Lane lane) { return m_lanes[index(lane)]; }
  const Lane& at(v1::Lane lane) const { return m_lanes[index(lane)]; }

  std::array<Lane, 3> m_lanes;  // event, critical, replay
};

}  // namespace plexus::sdk::detail
