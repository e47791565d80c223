#include "delivery/event_manager.h"

#include <algorithm>

#include "delivery/event_factory.h"
#include "runtime/logging.h"

namespace plexus::host {

namespace {
// How many subscribers ahead publish starts loading the ring slot it will write: far enough for
// the load to land before it is needed, near enough not to evict it again (measured: 2).
constexpr std::size_t kPrefetchAhead = 2;

Error notAttached(const std::string& moduleId) {
  return makeError(v1::ERROR_CODE_NOT_HANDSHAKEN, "module '" + moduleId + "' is not attached");
}
}  // namespace

EventManager::EventManager(EventSink& sink, Options options)
    : m_options(std::move(options)),
      m_flusher(sink, {m_options.maxBatchEvents, m_options.maxBatchBytes}, m_options.steadyNow),
      m_durableLog(logger("events"), std::chrono::seconds(10)),
      m_timeoutLog(logger("events"), std::chrono::seconds(5)) {
  if (!m_options.makeModuleLoaded) {
    m_options.makeModuleLoaded = [](const ModuleAttachment& module) {
      return serializeEvent(makeModuleLoadedEvent(module.moduleId, module.name, module.version,
                                                  module.incarnation, module.pid));
    };
  }
}

EventManager::~EventManager() = default;

std::int64_t EventManager::steadyNs() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             m_options.steadyNow().time_since_epoch())
      .count();
}

AcceptTime EventManager::acceptTime() const {
  return {wallNowMs(), steadyNs()};
}

std::int64_t EventManager::wallNowMs() const {
  if (m_options.wallNowMs) return m_options.wallNowMs();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- module lifecycle ----

void EventManager::attach(const ModuleAttachment& module) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleSlot& slot = m_slots.getOrCreate(module.moduleId);
  if (slot.attached()) detach(module.moduleId);  // a new incarnation replaces a stale one
  slot.beginIncarnation(module);
  if (module.durable && !module.tap && m_options.journal != nullptr) beginDurable(slot);
}

Result<SubscribeOutcome> EventManager::subscribe(const std::string& moduleId,
                                                 std::span<const v1::EventType> types,
                                                 std::span<const FilterRequest> filters) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleSlot* slot = m_slots.attached(moduleId);
  if (slot == nullptr) return notAttached(moduleId);
  if (slot->stopping) {
    return makeError(v1::ERROR_CODE_UNAVAILABLE, "module '" + moduleId + "' is stopping");
  }
  if (auto allowed = slot->checkSubscribe(types); !allowed) return allowed.error();
  CompiledSubscribe request = compileSubscribe(types, filters);
  for (TypeFilter& accepted : request.accepted) {
    const v1::EventType type = accepted.type;
    slot->filters.setModuleFilter(type, std::move(accepted.filter));
    if (!m_routing.add(type, slot)) continue;
    slot->subscribed.set(static_cast<std::size_t>(type));
    catchUp(*slot, type);
  }
  SubscribeOutcome outcome;
  outcome.refused = std::move(request.refused);
  if (!slot->loaded && !slot->module.tap) {
    std::erase_if(m_absent, [&](const Absence& absence) { return absence.moduleId == moduleId; });
    slot->loaded = true;
    outcome.loaded = true;
    slot->announcement = m_options.makeModuleLoaded(slot->module);
    m_replay.loaded(*slot);
    ++m_eventsPublished;
    publishLifecycle(v1::EVENT_TYPE_MODULE_LOADED, slot->announcement);
  }
  outcome.subscribed = slot->subscriptions();
  if (slot->durable) {
    noteDurableTypes();
    pumpDurable(*slot);  // a durable module starts with its catch-up
  }
  return outcome;
}

// What the module would otherwise have missed of `type` (Replay): lifecycle-lane events are
// queued already; an event-lane one is admitted like a publish, or dropped and counted.
void EventManager::catchUp(ModuleSlot& slot, v1::EventType type) {
  const Replay::CatchUp missed = m_replay.catchUp(slot, type);
  if (missed.lifecycle) m_flusher.markDirty(slot);
  if (missed.event == nullptr) return;
  LazyEvent event(m_parsed, *missed.event);
  if (!passesFilter(slot, type, event)) return;
  const AckedLane lane = slot.laneFor(m_options.criticalTypes.test(static_cast<std::size_t>(type)));
  DeliveryChannel& channel = slot.lane(lane);
  if (channel.hasRoom() && !channel.hasBlocked()) {
    acceptInto(slot, lane, channel.assignSeq(), *missed.event, acceptTime(), 0);  // not journaled
  } else {
    channel.assignSeq();
    slot.countDropped(lane);
  }
}

Result<std::vector<v1::EventType>> EventManager::unsubscribe(const std::string& moduleId,
                                                             std::span<const v1::EventType> types) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleSlot* slot = m_slots.attached(moduleId);
  if (slot == nullptr) return notAttached(moduleId);
  for (v1::EventType type : types) {
    if (!ipc::isValidEventType(type)) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                       "cannot unsubscribe from event type " + std::to_string(type));
    }
  }
  for (v1::EventType type : types) {
    m_routing.remove(type, slot);
    slot->subscribed.reset(static_cast<std::size_t>(type));
  }
  if (slot->durable) noteDurableTypes();
  if (slot->requested) endReplayOf(*slot);
  return slot->subscriptions();
}

Status EventManager::ack(const std::string& moduleId, std::uint64_t throughSeq, v1::Lane lane) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleSlot* slot = m_slots.attached(moduleId);
  if (slot == nullptr) return notAttached(moduleId);
  const std::optional<AckedLane> acked = ackedLane(lane);
  if (!acked) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     "ack names lane " + std::to_string(lane) + ", which is not acked");
  }
  const AckedLane which = *acked;
  if (slot->laneIfAny(which) == nullptr) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     std::string("ack names the ") +
                         (which == AckedLane::Critical ? "critical" : "replay") +
                         " lane, which module '" + moduleId + "' does not have");
  }
  auto released = slot->acknowledge(which, throughSeq, steadyNs());
  if (!released) return released.error();
  if (*released > 0) {
    slot->unackedSince = slot->hasInFlight() ? std::optional(m_options.steadyNow()) : std::nullopt;
    admitBlocked(*slot, which);
    if (slot->durable && which != AckedLane::Replay) {
      saveProgress(*slot);
      if (which == AckedLane::Event) pumpDurable(*slot);
    }
    if (slot->requested && which != AckedLane::Critical) pumpReplay(*slot);
  }
  return {};
}

void EventManager::beginStopping(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleSlot* slot = m_slots.attached(moduleId);
  if (slot == nullptr || slot->stopping) return;
  slot->stopping = true;
  failBlocked(*slot, MissReason::Stopping);
}

void EventManager::detach(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleSlot* slot = m_slots.attached(moduleId);
  if (slot == nullptr) return;
  // Unroute first: a waiter told below may publish again, and must not reach this channel.
  m_routing.removeEverywhere(slot);
  m_replay.unloaded(*slot);
  const bool durable = slot->durable != nullptr;
  // A durable module's journaled types wait for it in the journal: never absent.
  const auto absentTypes =
      durable ? slot->subscribed & ~m_options.journal->types() : slot->subscribed;
  if (durable) endDurable(*slot);
  std::erase(m_readRetries, moduleId);
  for (AckedLane lane : {AckedLane::Critical, AckedLane::Event, AckedLane::Replay})
    slot->discardHeld(lane);
  if (slot->module.policy == DeliveryPolicy::Block && !slot->module.tap && absentTypes.any()) {
    std::erase_if(m_absent, [&](const Absence& absence) { return absence.moduleId == moduleId; });
    m_absent.push_back({moduleId, absentTypes});
  }
  failBlocked(*slot, MissReason::Gone);
  slot->endIncarnation();
  if (durable) noteDurableTypes();
}

void EventManager::removeTap(const std::string& tapId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleSlot* slot = m_slots.find(tapId);
  if (slot == nullptr || !slot->module.tap) return;
  detach(tapId);
  m_flusher.forget(*slot);
  m_slots.erase(tapId);
}

// ---- publishing ----

void EventManager::acceptInto(ModuleSlot& slot, AckedLane lane, std::uint64_t seq,
                              const ipc::SharedBytes& body, AcceptTime now, std::uint64_t offset) {
  slot.accept(seq, body, now, lane, offset);
  m_flusher.markDirty(slot);
}

std::optional<PublishReport> EventManager::publish(v1::EventType type, const ipc::SharedBytes& body,
                                                   const PublishOptions& options,
                                                   std::vector<Acceptance>* accepted) {
  PLEXUS_ASSERT_THREAD(m_thread);
  // Journaled before it is routed, whoever subscribes: every subscriber gets the same offset.
  std::uint64_t offset = options.offset;
  if (offset == 0 && m_options.journal != nullptr && m_options.journal->journals(type) &&
      waitForJournal(type, body, options, offset)) {
    return std::nullopt;
  }
  ++m_eventsPublished;
  ++m_publishedBy[static_cast<std::size_t>(options.source)];
  const auto& subscribers = m_routing.subscribers(type);
  PublishReport report;
  report.subscribers = static_cast<std::uint32_t>(subscribers.size());
  if (ipc::isLifecycleLane(type)) {
    publishLifecycle(type, body);
    return report;
  }
  const bool critical =
      options.critical || m_options.criticalTypes.test(static_cast<std::size_t>(type));
  std::optional<BlockedPublishes::Id> waiting;  // opened at the first full block subscriber
  AcceptTime now;                               // read once, at the first acceptance
  LazyEvent event(m_parsed, body);              // parsed for the first filter, if any
  const std::size_t count = subscribers.size();
  for (std::size_t k = 0; k < count; ++k) {
    ModuleSlot* slot = subscribers[k];
    if (k + kPrefetchAhead < count) subscribers[k + kPrefetchAhead]->channel->prefetchAccept();
    if (offset != 0 && slot->durable && !slot->stopping &&
        routeDurable(*slot, type, body, offset, critical, event, report, now)) {
      continue;
    }
    if (!passesFilter(*slot, type, event)) {
      --report.subscribers;
      ++report.filtered;
      continue;
    }
    const AckedLane lane = slot->laneFor(critical);
    DeliveryChannel& channel = slot->lane(lane);
    const bool block = slot->module.policy == DeliveryPolicy::Block;
    if (slot->stopping) {
      slot->countFailed(lane);
      ++report.failed;
      if (block) report.missed.push_back({slot->id, MissReason::Stopping});
      continue;
    }
    const std::uint64_t seq = channel.assignSeq();
    if (!channel.hasBlocked() && channel.hasRoom()) {
      if (now.wallMs < 0) now = acceptTime();
      acceptInto(*slot, lane, seq, body, now, offset);
      ++report.accepted;
      if (accepted != nullptr) {
        accepted->push_back({slot->id, slot->module.incarnation, seq, lane});
      }
      continue;
    }
    if (block && options.waiter != nullptr) {
      if (!waiting) {
        waiting = m_blocked.open(*options.waiter, options.token,
                                 m_options.steadyNow() + m_options.blockTimeout);
      }
      channel.pushBlocked({seq, body, *waiting, offset});
      m_blocked.waitFor(*waiting, {slot, slot->module.incarnation, seq, lane});
      continue;
    }
    slot->countDropped(lane);
    ++report.dropped;
    if (block) report.missed.push_back({slot->id, MissReason::Full});
  }
  if (!m_absent.empty()) failAbsent(type, report);
  if (!waiting) return report;
  m_blocked.report(*waiting) = std::move(report);  // settled now; the waits add to it
  return std::nullopt;
}

// Block modules between incarnations that subscribed to `type`: the event fails for each one
// whose next incarnation is on its way (the publisher is told), and is not routed to the others.
void EventManager::failAbsent(v1::EventType type, PublishReport& report) {
  for (const Absence& absence : m_absent) {
    if (!absence.types.test(static_cast<std::size_t>(type))) continue;
    if (!m_options.returning || !m_options.returning(absence.moduleId)) continue;
    ModuleSlot* slot = m_slots.find(absence.moduleId);
    if (slot == nullptr) continue;
    slot->countFailed();
    ++report.subscribers;
    ++report.failed;
    report.missed.push_back({absence.moduleId, MissReason::Restarting});
  }
}

bool EventManager::passesFilter(ModuleSlot& slot, v1::EventType type, LazyEvent& event) {
  if (!slot.filters.active(type)) return true;
  const v1::Event* parsed = event.get();
  if (parsed != nullptr && slot.filters.matches(type, *parsed)) return true;
  slot.countFiltered();
  return false;
}

void EventManager::publishLifecycle(v1::EventType type, const ipc::SharedBytes& body) {
  for (ModuleSlot* slot : m_routing.subscribers(type)) {
    slot->channel->pushLifecycle(body);
    m_flusher.markDirty(*slot);
  }
}

void EventManager::publishToAll(const ipc::SharedBytes& body) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ++m_eventsPublished;
  m_slots.forEach([&](ModuleSlot& slot) {
    if (!slot.attached()) return;
    slot.channel->pushLifecycle(body);
    m_flusher.markDirty(slot);
  });
}

void EventManager::publishSticky(v1::EventType type, const ipc::SharedBytes& body) {
  PLEXUS_ASSERT_THREAD(m_thread);
  // Current subscribers get it now, and must not get it again when they add more types.
  m_replay.setSticky(type, body, m_routing.subscribers(type));
  publish(type, body);
}

void EventManager::clearSticky(v1::EventType type) {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_replay.clearSticky(type, m_slots);
}

bool EventManager::handled(const Acceptance& acceptance) const {
  PLEXUS_ASSERT_THREAD(m_thread);
  const ModuleSlot* slot = m_slots.find(acceptance.moduleId);
  if (slot == nullptr || !slot->attached() || slot->module.incarnation != acceptance.incarnation) {
    return true;
  }
  const DeliveryChannel* lane = slot->laneIfAny(acceptance.lane);
  return lane == nullptr || !lane->holds(acceptance.seq);
}

// ---- sending ----

void EventManager::flush() {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_flusher.flush();
  // Forgotten slots are in no dirty list now; a blocked publish may still hold one until it
  // resolved.
  if (!m_forgotten.empty() && m_blocked.waiting() == 0) m_forgotten.clear();
}

std::vector<std::string> EventManager::takeUnreachable() {
  PLEXUS_ASSERT_THREAD(m_thread);
  return m_flusher.takeUnreachable();
}

}  // namespace plexus::host
