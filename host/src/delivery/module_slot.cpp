#include "delivery/module_slot.h"

#include <time.h>

#include "runtime/logging.h"

namespace plexus::host {

namespace {
constexpr std::int64_t kDropWarningIntervalMs = 5000;

// A few nanoseconds (vDSO, no syscall), millisecond-ish resolution: enough to rate-limit a
// warning on the drop path, where a precise clock per dropped event would cost too much.
std::int64_t coarseMonotonicMs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}
}  // namespace

void ModuleSlot::beginIncarnation(const ModuleAttachment& attachment) {
  module = attachment;
  channel = std::make_unique<DeliveryChannel>(attachment.capacity);
  critical = attachment.criticalCapacity > 0
                 ? std::make_unique<DeliveryChannel>(attachment.criticalCapacity)
                 : nullptr;
  replayLane.reset();
  requested.reset();
  lastReplayId = 0;
  subscribed.reset();
  filters.reset(attachment.configFilters);
  replayed.reset();
  loaded = stopping = unreachable = false;
  unackedSince.reset();
  announcement = {};
  m_held = 0;
}

void ModuleSlot::endIncarnation() {
  channel.reset();
  critical.reset();
  replayLane.reset();
  durable.reset();
  requested.reset();
  subscribed.reset();
  filters.reset({});
  replayed.reset();
  loaded = stopping = false;
  unackedSince.reset();
  announcement = {};
  m_held = 0;
}

Result<std::uint32_t> ModuleSlot::acknowledge(AckedLane which, std::uint64_t throughSeq,
                                              std::int64_t nowNs) {
  auto released = lane(which).acknowledge(throughSeq, nowNs != 0 ? &holdTimes : nullptr, nowNs);
  if (released) {
    m_held -= *released;
    counters.lane(which).acked += *released;
  }
  return released;
}

void ModuleSlot::discardHeld(AckedLane which) {
  DeliveryChannel* held = laneIfAny(which);
  if (held == nullptr) return;
  const std::uint32_t discarded = held->discardHeld();
  m_held -= discarded;
  counters.lane(which).lost += discarded;
}

Status ModuleSlot::checkSubscribe(std::span<const v1::EventType> types) const {
  for (v1::EventType type : types) {
    if (!ipc::isValidEventType(type)) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                       "cannot subscribe to event type " + std::to_string(type));
    }
    if (!module.subscribeAllowed.test(static_cast<std::size_t>(type))) {
      return makeError(v1::ERROR_CODE_PERMISSION_DENIED,
                       "module '" + id + "' may not subscribe to " + ipc::displayName(type) +
                           " (not in its capabilities.subscribe)");
    }
  }
  return {};
}

std::vector<v1::EventType> ModuleSlot::subscriptions() const {
  std::vector<v1::EventType> out;
  for (v1::EventType type : ipc::allEventTypes()) {
    if (subscribed.test(static_cast<std::size_t>(type))) out.push_back(type);
  }
  return out;
}

void ModuleSlot::countDropped(AckedLane which) {
  LaneCounters& count = counters.lane(which);
  ++count.routed;
  ++count.channelFull;
  ++dropsSinceWarning;
  const std::int64_t now = coarseMonotonicMs();
  if (now < nextDropWarningMs) return;
  nextDropWarningMs = now + kDropWarningIntervalMs;
  logger("events")->warn(
      "module '{}' is slow: {} lane full (capacity {}), {} event(s) dropped for it since the "
      "last report; channel_full={}",
      id, which == AckedLane::Critical ? "critical" : "event", lane(which).capacity(),
      dropsSinceWarning, counters.total().channelFull);
  dropsSinceWarning = 0;
}

DeliveryGauges ModuleSlot::gauges() const {
  DeliveryGauges gauges;
  // The last incarnation's capacities, also while it is gone.
  gauges.lanes[0].capacity = module.capacity;
  gauges.lanes[1].capacity = module.criticalCapacity;
  for (std::size_t i = 0; i < kAckedLanes; ++i) {
    const DeliveryChannel* one = laneIfAny(static_cast<AckedLane>(i));
    if (one == nullptr) continue;
    LaneGauges& gauge = gauges.lanes[i];
    gauge.queued = one->queued();
    gauge.inFlight = one->inFlight();
    gauge.blocked = one->blockedCount();
    gauge.capacity = one->capacity();
  }
  return gauges;
}

void ModuleSlot::resetCounters() {
  const DeliveryCounters before = counters;
  const std::int64_t lastEventAt = counters.lastEventAtUnixMs;
  counters = DeliveryCounters{};
  for (std::size_t i = 0; i < kAckedLanes; ++i) {
    const DeliveryChannel* one = laneIfAny(static_cast<AckedLane>(i));
    const std::uint32_t laneHeld = one != nullptr ? one->held() : 0;
    counters.lanes[i].routed = laneHeld;
    counters.lanes[i].successful = laneHeld;
    counters.lanes[i].maxHeld = laneHeld;
  }
  counters.maxHeld = channel ? m_held : 0;
  counters.lastEventAtUnixMs = lastEventAt;
  addReset(resetBase, before, counters);
}

ModuleSlot& ModuleSlots::getOrCreate(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto& slot = m_slots[moduleId];
  if (!slot) slot = std::make_unique<ModuleSlot>(moduleId);
  return *slot;
}

ModuleSlot* ModuleSlots::find(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto it = m_slots.find(moduleId);
  return it != m_slots.end() ? it->second.get() : nullptr;
}

const ModuleSlot* ModuleSlots::find(const std::string& moduleId) const {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto it = m_slots.find(moduleId);
  return it != m_slots.end() ? it->second.get() : nullptr;
}

std::unique_ptr<ModuleSlot> ModuleSlots::remove(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto it = m_slots.find(moduleId);
  if (it == m_slots.end()) return nullptr;
  auto slot = std::move(it->second);
  m_slots.erase(it);
  return slot;
}

ModuleSlot* ModuleSlots::attached(const std::string& moduleId) {
  ModuleSlot* slot = find(moduleId);
  return slot != nullptr && slot->attached() ? slot : nullptr;
}

void ModuleSlots::erase(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_slots.erase(moduleId);
}

}  // namespace plexus::host
