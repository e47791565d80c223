// EventManager: the waits of block-policy publishes - admitted as acks make room, failed when
// the module stops or goes, timed out at their deadline.

#include "delivery/event_manager.h"
#include "runtime/logging.h"

namespace plexus::host {

namespace {
constexpr auto kRetryInterval = std::chrono::milliseconds(1);
}  // namespace

// Moves waiting block-policy events into the channel while it has room.
void EventManager::admitBlocked(ModuleSlot& slot, AckedLane lane) {
  DeliveryChannel& channel = slot.lane(lane);
  const AcceptTime now = channel.hasBlocked() ? acceptTime() : AcceptTime(0);
  while (channel.hasBlocked() && channel.hasRoom()) {
    BlockedEvent event = channel.popBlocked();
    acceptInto(slot, lane, event.seq, event.body, now, event.offset);
    m_blocked.admitted(event.publishId);
  }
}

// The module will never accept what waits for it: each waiting event counts as failed.
void EventManager::failBlocked(ModuleSlot& slot, MissReason reason) {
  for (AckedLane lane : {AckedLane::Critical, AckedLane::Event}) {
    DeliveryChannel* waiting = slot.laneIfAny(lane);
    if (waiting == nullptr) continue;
    for (BlockedEvent& event : waiting->takeBlocked()) {
      slot.countFailed(lane);
      m_blocked.failed(event.publishId, slot.id, reason);
    }
  }
}

// A wait whose deadline passed: true when the event still waited in that module's FIFO (it is
// dropped for the module), false when it was admitted or failed meanwhile.
bool EventManager::timeOut(const BlockedPublishes::Wait& wait) {
  ModuleSlot& slot = *wait.slot;
  DeliveryChannel* lane = slot.laneIfAny(wait.lane);  // nullptr once detached
  if (lane == nullptr || slot.module.incarnation != wait.incarnation ||
      !lane->removeBlocked(wait.seq)) {
    return false;
  }
  slot.countTimedOut(wait.lane);
  m_timeoutLog.warn(slot.id + "/timeout", [&] {
    return "module '" + slot.id + "' (block policy) did not make room within " +
           std::to_string(m_options.blockTimeout.count()) +
           " ms: publish timed out, event dropped for it";
  });
  return true;
}

void EventManager::expire() {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (!m_readRetries.empty()) retryReads();
  const auto now = m_options.steadyNow();
  if (m_options.graceUntil && now < m_options.graceUntil()) return;  // the node was paused
  if (!m_journalWaits.empty()) expireJournalWaits(now);
  m_blocked.expire(now, [this](const BlockedPublishes::Wait& wait) { return timeOut(wait); });
}

std::optional<SteadyClock::time_point> EventManager::nextDeadline() const {
  PLEXUS_ASSERT_THREAD(m_thread);
  std::optional<SteadyClock::time_point> next = m_blocked.nextDeadline();
  if (next && m_options.graceUntil) next = std::max(*next, m_options.graceUntil());
  if (!m_journalWaits.empty()) {
    auto deadline = m_journalWaits.front().deadline;
    if (m_options.graceUntil) deadline = std::max(deadline, m_options.graceUntil());
    if (!next || deadline < *next) next = deadline;
  }
  if (!m_readRetries.empty()) {
    for (const std::string& id : m_readRetries) {
      const ModuleSlot* slot = m_slots.find(id);
      if (slot == nullptr) continue;
      for (const auto* retryAt : {slot->durable ? &slot->durable->retryAt : nullptr,
                                  slot->requested ? &slot->requested->retryAt : nullptr}) {
        if (retryAt == nullptr || !*retryAt) continue;
        if (!next || **retryAt < *next) next = **retryAt;
      }
    }
  }
  if (m_flusher.backlogged()) {
    auto retry = m_options.steadyNow() + kRetryInterval;
    if (!next || retry < *next) next = retry;
  }
  return next;
}

}  // namespace plexus::host
