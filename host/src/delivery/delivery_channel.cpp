#include "delivery/delivery_channel.h"

#include <algorithm>
#include <cassert>

namespace plexus::host {

DeliveryChannel::DeliveryChannel(std::uint32_t capacity)
    : m_capacity(std::max<std::uint32_t>(capacity, 1)), m_ring(m_capacity) {}

void DeliveryChannel::accept(std::uint64_t seq, const ipc::SharedBytes& body, std::uint64_t offset,
                             std::uint32_t flags, std::int64_t acceptedNs) {
  PLEXUS_ASSERT_THREAD(m_thread);
  assert(hasRoom());
  Slot& slot = at(m_held);
  slot.seq = seq;
  slot.offset = offset;
  slot.flags = flags;
  slot.acceptedNs = acceptedNs;
  slot.body = body;
  ++m_held;
}

Result<std::uint32_t> DeliveryChannel::acknowledge(std::uint64_t throughSeq, HoldHistogram* holds,
                                                   std::int64_t nowNs) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (throughSeq > m_lastSentSeq) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     "ack through seq " + std::to_string(throughSeq) +
                         " but the last event sent was seq " + std::to_string(m_lastSentSeq));
  }
  std::uint32_t released = 0;
  while (m_inFlight > 0 && at(0).seq <= throughSeq) {
    m_ackedOffset = std::max<std::uint64_t>(m_ackedOffset, at(0).offset);
    if (holds != nullptr && at(0).acceptedNs != 0) holds->observe(nowNs - at(0).acceptedNs);
    at(0).body = {};
    m_head = index(1);
    --m_inFlight;
    --m_held;
    ++released;
  }
  return released;
}

void DeliveryChannel::peekQueued(std::vector<ipc::OutgoingEvent>& out, std::size_t maxEvents,
                                 std::size_t maxBytes) const {
  std::uint64_t previous = m_lastSentSeq;
  std::size_t bytes = 0;
  for (std::uint32_t offset = m_inFlight; offset < m_held; ++offset) {
    const Slot& slot = at(offset);
    std::size_t count = offset - m_inFlight;
    if (count >= maxEvents || (count > 0 && bytes + slot.body.size() > maxBytes)) break;
    out.push_back({slot.seq, slot.seq - previous - 1, &slot.body, slot.offset,
                   static_cast<std::uint32_t>(slot.flags)});
    bytes += slot.body.size();
    previous = slot.seq;
  }
}

void DeliveryChannel::markSent(std::size_t count) {
  PLEXUS_ASSERT_THREAD(m_thread);
  assert(count <= queued());
  if (count == 0) return;
  m_inFlight += static_cast<std::uint32_t>(count);
  m_lastSentSeq = at(m_inFlight - 1).seq;
}

std::uint64_t DeliveryChannel::sentOffset() const {
  std::uint64_t highest = m_ackedOffset;
  for (std::uint32_t k = 0; k < m_inFlight; ++k)
    highest = std::max<std::uint64_t>(highest, at(k).offset);
  return highest;
}

std::uint32_t DeliveryChannel::discardHeld() {
  PLEXUS_ASSERT_THREAD(m_thread);
  std::uint32_t held = m_held;
  for (std::uint32_t offset = 0; offset < m_held; ++offset)
    at(offset).body = {};
  m_head = 0;
  m_held = 0;
  m_inFlight = 0;
  return held;
}

BlockedEvent DeliveryChannel::popBlocked() {
  PLEXUS_ASSERT_THREAD(m_thread);
  BlockedEvent event = std::move(m_blocked.front());
  m_blocked.pop_front();
  return event;
}

bool DeliveryChannel::removeBlocked(std::uint64_t seq) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto it = std::find_if(m_blocked.begin(), m_blocked.end(),
                         [seq](const BlockedEvent& event) { return event.seq == seq; });
  if (it == m_blocked.end()) return false;
  m_blocked.erase(it);
  return true;
}

std::deque<BlockedEvent> DeliveryChannel::takeBlocked() {
  PLEXUS_ASSERT_THREAD(m_thread);
  return std::exchange(m_blocked, {});
}

void DeliveryChannel::pushLifecycle(ipc::SharedBytes body) {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_lifecycle.push_back({++m_lastLifecycleSeq, std::move(body)});
}

void DeliveryChannel::peekLifecycle(std::vector<ipc::OutgoingEvent>& out,
                                    std::size_t maxEvents) const {
  std::size_t count = std::min(maxEvents, m_lifecycle.size());
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back({m_lifecycle[i].seq, 0, &m_lifecycle[i].body});
  }
}

void DeliveryChannel::markLifecycleSent(std::size_t count) {
  PLEXUS_ASSERT_THREAD(m_thread);
  for (std::size_t i = 0; i < count; ++i)
    m_lifecycle.pop_front();
}

}  // namespace plexus::host
