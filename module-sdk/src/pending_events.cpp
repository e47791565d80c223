#include "pending_events.h"

#include <utility>

namespace plexus::sdk::detail {

std::size_t PendingEvents::rank(v1::Lane lane) {
  switch (lane) {
    case v1::LANE_LIFECYCLE:
      return 0;
    case v1::LANE_CRITICAL:
      return 1;
    case v1::LANE_REPLAY:
      return kReplay;
    default:
      return 2;
  }
}

void PendingEvents::push(ipc::ReceivedBatch&& batch) {
  if (batch.bodies.empty()) return;
  const std::size_t lane = rank(batch.lane);
  m_count += batch.bodies.size();
  if (lane == kReplay) m_replayPushed += batch.bodies.size();
  m_lanes[lane].batches.push_back(std::move(batch));
}

void PendingEvents::push(v1::ReplayEnd&& end) {
  m_replayEnds.emplace_back(m_replayPushed, std::move(end));
}

std::size_t PendingEvents::firstNonEmpty() const {
  std::size_t i = 0;
  while (i < kReplay && m_lanes[i].batches.empty())
    ++i;
  return i;
}

PendingEvents::Event PendingEvents::front() const {
  const std::size_t lane = firstNonEmpty();
  if (lane == kReplay && replayEndDue()) {
    return {v1::LANE_REPLAY, nullptr, {}, &m_replayEnds.front().second};
  }
  const Queue& queue = m_lanes[lane];
  const ipc::ReceivedBatch& batch = queue.batches.front();
  return {batch.lane, &batch.metas[queue.next], batch.bodies[queue.next]};
}

void PendingEvents::pop() {
  const std::size_t lane = firstNonEmpty();
  if (lane == kReplay && replayEndDue()) {
    m_replayEnds.pop_front();
    return;
  }
  Queue& queue = m_lanes[lane];
  --m_count;
  if (lane == kReplay) ++m_replayPopped;
  if (++queue.next < queue.batches.front().bodies.size()) return;
  queue.batches.pop_front();
  queue.next = 0;
}

bool LaneAcks::handled(v1::Lane lane, std::uint64_t seq) {
  if (lane != v1::LANE_EVENT && lane != v1::LANE_CRITICAL && lane != v1::LANE_REPLAY) return false;
  Lane& one = at(lane);
  one.handledThrough = seq;
  return ++one.unacked >= one.every;
}

std::uint64_t LaneAcks::take(v1::Lane lane) {
  Lane& one = at(lane);
  one.unacked = 0;
  return one.handledThrough;
}

}  // namespace plexus::sdk::detail
