// EventManager: statistics and queries (the control API's stats, subscribers and status, the
// supervisor's stall detection), and forgetting a module id. See event_manager.h.

#include <algorithm>

#include "delivery/event_manager.h"

namespace plexus::host {

void EventManager::countDecodeError(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ++m_slots.getOrCreate(moduleId).counters.decodeErrors;
}

void EventManager::countRejected(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ++m_slots.getOrCreate(moduleId).counters.rejected;
}

std::optional<v1::DeliveryStats> EventManager::stats(const std::string& moduleId) const {
  PLEXUS_ASSERT_THREAD(m_thread);
  const ModuleSlot* slot = m_slots.find(moduleId);
  if (slot == nullptr) return std::nullopt;
  return slot->stats();
}

std::vector<v1::DeliveryStats> EventManager::allStats() const {
  PLEXUS_ASSERT_THREAD(m_thread);
  std::vector<v1::DeliveryStats> out;
  out.reserve(m_slots.size());
  m_slots.forEach([&](const ModuleSlot& slot) {
    if (!slot.module.tap) out.push_back(slot.stats());
  });
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.module_id() < b.module_id(); });
  return out;
}

std::vector<EventManager::SinceStart> EventManager::allStatsSinceStart() const {
  PLEXUS_ASSERT_THREAD(m_thread);
  std::vector<SinceStart> out;
  out.reserve(m_slots.size());
  m_slots.forEach([&](const ModuleSlot& slot) {
    if (!slot.module.tap) out.push_back({slot.statsSinceStart(), slot.holdTimes});
  });
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.stats.module_id() < b.stats.module_id(); });
  return out;
}

bool EventManager::forget(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  const ModuleSlot* slot = m_slots.find(moduleId);
  if (slot == nullptr || slot->attached()) return false;
  // Detached, it is in no routing list and no load order; the slot itself is freed after the
  // next flush (it may still be in the flusher's dirty list or a blocked publish's waits).
  m_forgotten.push_back(m_slots.remove(moduleId));
  // Nor is it waited for as between incarnations any more.
  std::erase_if(m_absent, [&](const Absence& absence) { return absence.moduleId == moduleId; });
  return true;
}

bool EventManager::resetStats(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleSlot* slot = m_slots.find(moduleId);
  if (slot == nullptr) return false;
  slot->resetCounters();
  return true;
}

void EventManager::resetAllStats() {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_slots.forEach([](ModuleSlot& slot) { slot.resetCounters(); });
}

std::vector<std::string> EventManager::subscribers(v1::EventType type) const {
  PLEXUS_ASSERT_THREAD(m_thread);
  std::vector<std::string> out;
  if (!ipc::isValidEventType(type)) return out;
  for (const ModuleSlot* slot : m_routing.subscribers(type)) {
    if (!slot->module.tap) out.push_back(slot->id);
  }
  return out;
}

std::string EventManager::filterOf(const std::string& moduleId, v1::EventType type) const {
  PLEXUS_ASSERT_THREAD(m_thread);
  const ModuleSlot* slot = m_slots.find(moduleId);
  if (slot == nullptr || !slot->attached() || !ipc::isValidEventType(type)) return {};
  return slot->filters.describe(type);
}

bool EventManager::isStopping(const std::string& moduleId) const {
  PLEXUS_ASSERT_THREAD(m_thread);
  const ModuleSlot* slot = m_slots.find(moduleId);
  return slot != nullptr && slot->attached() && slot->stopping;
}

std::vector<v1::EventType> EventManager::subscriptions(const std::string& moduleId) const {
  PLEXUS_ASSERT_THREAD(m_thread);
  const ModuleSlot* slot = m_slots.find(moduleId);
  return slot != nullptr ? slot->subscriptions() : std::vector<v1::EventType>{};
}

std::vector<std::string> EventManager::loadedModules() const {
  PLEXUS_ASSERT_THREAD(m_thread);
  std::vector<std::string> out;
  for (const ModuleSlot* slot : m_replay.loadOrder())
    out.push_back(slot->id);
  return out;
}

std::size_t EventManager::slotCount() const {
  PLEXUS_ASSERT_THREAD(m_thread);
  return m_slots.size();
}

std::uint64_t EventManager::eventsPublished() const {
  PLEXUS_ASSERT_THREAD(m_thread);
  return m_eventsPublished;
}

PublishCounts EventManager::eventsPublishedBySource() const {
  PLEXUS_ASSERT_THREAD(m_thread);
  PublishCounts out = m_publishedBy;
  std::uint64_t counted = 0;
  for (std::uint64_t count : out)
    counted += count;
  out[static_cast<std::size_t>(PublishSource::Host)] +=
      m_eventsPublished - counted;  // sticky, to all
  return out;
}

std::uint64_t EventManager::eventsSent() const {
  PLEXUS_ASSERT_THREAD(m_thread);
  return m_flusher.eventsSent();
}

std::uint64_t EventManager::batchesSent() const {
  PLEXUS_ASSERT_THREAD(m_thread);
  return m_flusher.batchesSent();
}

std::optional<SteadyClock::time_point> EventManager::oldestUnackedSince(
    const std::string& moduleId) const {
  PLEXUS_ASSERT_THREAD(m_thread);
  const ModuleSlot* slot = m_slots.find(moduleId);
  if (slot == nullptr || !slot->attached() || !slot->hasInFlight()) return std::nullopt;
  return slot->unackedSince;
}

}  // namespace plexus::host
