#include "delivery/event_manager.h"

#include <time.h>

#include <algorithm>
#include <cassert>

#include "delivery/event_factory.h"
#include "runtime/logging.h"

namespace plexus::host {

namespace {
constexpr std::uint32_t kNoPending = UINT32_MAX;
constexpr auto kRetryInterval = std::chrono::milliseconds(1);
constexpr std::int64_t kDropWarningIntervalMs = 5000;

// A few nanoseconds (vDSO, no syscall), millisecond-ish resolution: enough to rate-limit a
// warning on the drop path, where a precise clock per dropped event would cost too much.
std::int64_t coarseMonotonicMs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}
}  // namespace

// Everything the EventManager knows about one module id. The counters outlive incarnations;
// the channel exists while an incarnation is attached.
struct EventManager::Slot {
  std::string id;
  DeliveryCounters counters;
  ModuleAttachment module;
  std::unique_ptr<DeliveryChannel> channel;
  std::bitset<ipc::kEventTypeSlots> subscribed;
  bool loaded = false;
  bool stopping = false;
  std::bitset<ipc::kEventTypeSlots> replayed;  // replays it got this incarnation, per type
  bool dirty = false;                          // in m_dirty
  bool unreachable = false;                    // transport said the peer is gone
  std::optional<SteadyClock::time_point> unackedSince;
  ipc::SharedBytes announcement;  // its ModuleLoaded, replayed to later subscribers
  std::uint64_t dropsSinceWarning = 0;
  std::int64_t nextDropWarningMs = 0;  // coarse monotonic
};

// A publish waiting for block subscribers to make room.
struct EventManager::Pending {
  PublishWaiter* waiter = nullptr;
  std::uint64_t token = 0;
  std::uint64_t generation = 0;
  SteadyClock::time_point deadline{};
  std::uint32_t waitingOn = 0;
  bool active = false;
  PublishReport report;
  std::vector<BlockedRef> blockedOn;
};

EventManager::EventManager(EventSink& sink, Options options)
    : m_sink(sink),
      m_options(std::move(options)),
      m_timeoutLog(logger("events"), std::chrono::seconds(5)) {
  if (!m_options.makeModuleLoaded) {
    m_options.makeModuleLoaded = [](const ModuleAttachment& module) {
      return serializeEvent(makeModuleLoadedEvent(module.moduleId, module.name, module.version,
                                                  module.incarnation, module.pid));
    };
  }
}

EventManager::~EventManager() = default;

std::int64_t EventManager::wallNowMs() const {
  if (m_options.wallNowMs) return m_options.wallNowMs();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

EventManager::Slot& EventManager::slotFor(const std::string& moduleId) {
  auto& slot = m_slots[moduleId];
  if (!slot) {
    slot = std::make_unique<Slot>();
    slot->id = moduleId;
  }
  return *slot;
}

EventManager::Slot* EventManager::attachedSlot(const std::string& moduleId) {
  auto it = m_slots.find(moduleId);
  return it != m_slots.end() && it->second->channel ? it->second.get() : nullptr;
}

const EventManager::Slot* EventManager::findSlot(const std::string& moduleId) const {
  auto it = m_slots.find(moduleId);
  return it != m_slots.end() ? it->second.get() : nullptr;
}

// ---- module lifecycle ----

void EventManager::attach(const ModuleAttachment& module) {
  Slot& slot = slotFor(module.moduleId);
  if (slot.channel) detach(module.moduleId);  // a new incarnation replaces a stale one
  slot.module = module;
  slot.channel = std::make_unique<DeliveryChannel>(module.capacity);
  slot.subscribed.reset();
  slot.replayed.reset();
  slot.loaded = slot.stopping = slot.unreachable = false;
  slot.unackedSince.reset();
  slot.announcement = {};
}

Result<SubscribeOutcome> EventManager::subscribe(const std::string& moduleId,
                                                 std::span<const v1::EventType> types) {
  Slot* slot = attachedSlot(moduleId);
  if (slot == nullptr) {
    return makeError(v1::ERROR_CODE_NOT_HANDSHAKEN, "module '" + moduleId + "' is not attached");
  }
  if (slot->stopping) {
    return makeError(v1::ERROR_CODE_UNAVAILABLE, "module '" + moduleId + "' is stopping");
  }
  for (v1::EventType type : types) {  // all or nothing
    if (!ipc::isValidEventType(type)) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                       "cannot subscribe to event type " + std::to_string(type));
    }
    if (!slot->module.subscribeAllowed.test(static_cast<std::size_t>(type))) {
      return makeError(v1::ERROR_CODE_PERMISSION_DENIED,
                       "module '" + moduleId + "' may not subscribe to " + ipc::displayName(type) +
                           " (not in its capabilities.subscribe)");
    }
  }
  for (v1::EventType type : types) {
    const auto bit = static_cast<std::size_t>(type);
    if (!m_routing.add(type, slot)) continue;
    slot->subscribed.set(bit);
    if (slot->module.tap || slot->replayed.test(bit)) continue;
    // What a late subscriber would otherwise have missed, once per incarnation: the loaded
    // modules (a snapshot, in load order) and the sticky lifecycle events (NodeStartup).
    if (type == v1::EVENT_TYPE_MODULE_LOADED) {
      slot->replayed.set(bit);
      for (Slot* other : m_loadOrder)
        slot->channel->pushLifecycle(other->announcement);
      markDirty(*slot);
    } else if (auto sticky = m_sticky.find(type); sticky != m_sticky.end()) {
      slot->replayed.set(bit);
      if (ipc::isLifecycleLane(type)) {
        slot->channel->pushLifecycle(sticky->second);
        markDirty(*slot);
      } else if (slot->channel->hasRoom() && !slot->channel->hasBlocked()) {
        acceptInto(*slot, slot->channel->assignSeq(), sticky->second, wallNowMs());
      } else {
        slot->channel->assignSeq();
        countDropped(*slot);
      }
    }
  }
  SubscribeOutcome outcome;
  if (!slot->loaded && !slot->module.tap) {
    slot->loaded = true;
    outcome.loaded = true;
    slot->announcement = m_options.makeModuleLoaded(slot->module);
    m_loadOrder.push_back(slot);
    ++m_eventsPublished;
    publishLifecycle(v1::EVENT_TYPE_MODULE_LOADED, slot->announcement);
  }
  outcome.subscribed = subscriptions(moduleId);
  return outcome;
}

Result<std::vector<v1::EventType>> EventManager::unsubscribe(const std::string& moduleId,
                                                             std::span<const v1::EventType> types) {
  Slot* slot = attachedSlot(moduleId);
  if (slot == nullptr) {
    return makeError(v1::ERROR_CODE_NOT_HANDSHAKEN, "module '" + moduleId + "' is not attached");
  }
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
  return subscriptions(moduleId);
}

Status EventManager::ack(const std::string& moduleId, std::uint64_t throughSeq) {
  Slot* slot = attachedSlot(moduleId);
  if (slot == nullptr) {
    return makeError(v1::ERROR_CODE_NOT_HANDSHAKEN, "module '" + moduleId + "' is not attached");
  }
  auto released = slot->channel->acknowledge(throughSeq);
  if (!released) return released.error();
  if (*released > 0) {
    slot->counters.acked += *released;
    slot->unackedSince =
        slot->channel->inFlight() > 0 ? std::optional(m_options.steadyNow()) : std::nullopt;
    admitBlocked(*slot);
  }
  return {};
}

void EventManager::beginStopping(const std::string& moduleId) {
  Slot* slot = attachedSlot(moduleId);
  if (slot == nullptr || slot->stopping) return;
  slot->stopping = true;
  failBlocked(*slot);
}

void EventManager::detach(const std::string& moduleId) {
  Slot* slot = attachedSlot(moduleId);
  if (slot == nullptr) return;
  // Unroute first: a waiter told below may publish again, and must not reach this channel.
  m_routing.removeEverywhere(slot);
  std::erase(m_loadOrder, slot);
  slot->counters.lost += slot->channel->discardHeld();
  failBlocked(*slot);
  slot->channel.reset();
  slot->subscribed.reset();
  slot->replayed.reset();
  slot->loaded = slot->stopping = false;
  slot->unackedSince.reset();
  slot->announcement = {};
}

// ---- publishing ----

std::optional<PublishReport> EventManager::publish(v1::EventType type, const ipc::SharedBytes& body,
                                                   const PublishOptions& options,
                                                   std::vector<Acceptance>* accepted) {
  ++m_eventsPublished;
  const auto& subscribers = m_routing.subscribers(type);
  PublishReport report;
  report.subscribers = static_cast<std::uint32_t>(subscribers.size());
  if (ipc::isLifecycleLane(type)) {
    publishLifecycle(type, body);
    return report;
  }
  std::uint32_t pendingId = kNoPending;
  std::int64_t nowMs = -1;  // read once, at the first acceptance
  for (Slot* slot : subscribers) {
    DeliveryChannel& channel = *slot->channel;
    if (slot->stopping) {
      ++slot->counters.routed;
      ++slot->counters.failed;
      ++report.failed;
      continue;
    }
    const std::uint64_t seq = channel.assignSeq();
    if (!channel.hasBlocked() && channel.hasRoom()) {
      if (nowMs < 0) nowMs = wallNowMs();
      acceptInto(*slot, seq, body, nowMs);
      if (accepted != nullptr) accepted->push_back({slot->id, slot->module.incarnation, seq});
      continue;
    }
    if (slot->module.policy == DeliveryPolicy::Block && options.waiter != nullptr) {
      if (pendingId == kNoPending) pendingId = allocatePending(options);
      Pending& pending = *m_pending[pendingId];
      channel.pushBlocked({seq, body, pendingId});
      ++pending.waitingOn;
      pending.blockedOn.push_back({slot, slot->module.incarnation, seq});
      continue;
    }
    countDropped(*slot);
    ++report.dropped;
  }
  if (pendingId == kNoPending) return report;
  Pending& pending = *m_pending[pendingId];
  pending.report.subscribers = report.subscribers;
  pending.report.dropped = report.dropped;
  pending.report.failed = report.failed;
  return std::nullopt;
}

void EventManager::publishLifecycle(v1::EventType type, const ipc::SharedBytes& body) {
  for (Slot* slot : m_routing.subscribers(type)) {
    slot->channel->pushLifecycle(body);
    markDirty(*slot);
  }
}

void EventManager::publishToAll(const ipc::SharedBytes& body) {
  ++m_eventsPublished;
  for (auto& [id, slot] : m_slots) {
    if (!slot->channel) continue;
    slot->channel->pushLifecycle(body);
    markDirty(*slot);
  }
}

void EventManager::publishSticky(v1::EventType type, const ipc::SharedBytes& body) {
  m_sticky[type] = body;
  // Current subscribers get it now, and must not get it again when they add more types.
  for (Slot* slot : m_routing.subscribers(type))
    slot->replayed.set(static_cast<std::size_t>(type));
  publish(type, body);
}

void EventManager::clearSticky(v1::EventType type) {
  m_sticky.erase(type);
  for (auto& [id, slot] : m_slots)
    slot->replayed.reset(static_cast<std::size_t>(type));
}

bool EventManager::handled(const Acceptance& acceptance) const {
  const Slot* slot = findSlot(acceptance.moduleId);
  if (slot == nullptr || !slot->channel || slot->module.incarnation != acceptance.incarnation) {
    return true;
  }
  return !slot->channel->holds(acceptance.seq);
}

void EventManager::acceptInto(Slot& slot, std::uint64_t seq, const ipc::SharedBytes& body,
                              std::int64_t nowMs) {
  slot.channel->accept(seq, body);
  ++slot.counters.routed;
  ++slot.counters.successful;
  slot.counters.maxHeld = std::max(slot.counters.maxHeld, slot.channel->held());
  slot.counters.lastEventAtUnixMs = nowMs;
  markDirty(slot);
}

// Counted exactly; logged at most once per interval per module, with how many since.
void EventManager::countDropped(Slot& slot) {
  ++slot.counters.routed;
  ++slot.counters.channelFull;
  ++slot.dropsSinceWarning;
  const std::int64_t now = coarseMonotonicMs();
  if (now < slot.nextDropWarningMs) return;
  slot.nextDropWarningMs = now + kDropWarningIntervalMs;
  logger("events")->warn(
      "module '{}' is slow: channel full (capacity {}), {} event(s) dropped for it since the "
      "last report; channel_full={}",
      slot.id, slot.channel->capacity(), slot.dropsSinceWarning, slot.counters.channelFull);
  slot.dropsSinceWarning = 0;
}

// Moves waiting block-policy events into the channel while it has room.
void EventManager::admitBlocked(Slot& slot) {
  DeliveryChannel& channel = *slot.channel;
  const std::int64_t nowMs = channel.hasBlocked() ? wallNowMs() : 0;
  while (channel.hasBlocked() && channel.hasRoom()) {
    BlockedEvent event = channel.popBlocked();
    acceptInto(slot, event.seq, event.body, nowMs);
    Pending& pending = *m_pending[event.pendingId];
    if (--pending.waitingOn == 0) resolvePending(event.pendingId);
  }
}

// The module will never accept what waits for it: each waiting event counts as failed.
void EventManager::failBlocked(Slot& slot) {
  for (BlockedEvent& event : slot.channel->takeBlocked()) {
    ++slot.counters.routed;
    ++slot.counters.failed;
    Pending& pending = *m_pending[event.pendingId];
    ++pending.report.failed;
    if (--pending.waitingOn == 0) resolvePending(event.pendingId);
  }
}

std::uint32_t EventManager::allocatePending(const PublishOptions& options) {
  std::uint32_t id;
  if (!m_freePending.empty()) {
    id = m_freePending.back();
    m_freePending.pop_back();
  } else {
    id = static_cast<std::uint32_t>(m_pending.size());
    m_pending.push_back(std::make_unique<Pending>());
  }
  Pending& pending = *m_pending[id];
  pending.waiter = options.waiter;
  pending.token = options.token;
  pending.deadline = m_options.steadyNow() + m_options.blockTimeout;
  pending.waitingOn = 0;
  pending.active = true;
  pending.report = {};
  pending.blockedOn.clear();
  m_deadlines.emplace_back(id, pending.generation);
  return id;
}

// Tells the waiter (after the current operation's state is consistent) and frees the id.
void EventManager::resolvePending(std::uint32_t pendingId) {
  Pending& pending = *m_pending[pendingId];
  assert(pending.active && pending.waitingOn == 0);
  pending.active = false;
  ++pending.generation;
  pending.blockedOn.clear();
  m_freePending.push_back(pendingId);
  PublishWaiter* waiter = pending.waiter;
  std::uint64_t token = pending.token;
  PublishReport report = pending.report;
  // A waiter may publish again; nothing below relies on state it could change.
  waiter->onPublishDone(token, report);
}

void EventManager::expire() {
  const auto now = m_options.steadyNow();
  while (!m_deadlines.empty()) {
    auto [id, generation] = m_deadlines.front();
    Pending& pending = *m_pending[id];
    if (!pending.active || pending.generation != generation) {
      m_deadlines.pop_front();
      continue;
    }
    if (pending.deadline > now) break;
    m_deadlines.pop_front();
    for (const BlockedRef& ref : pending.blockedOn) {
      Slot& slot = *ref.slot;
      if (!slot.channel || slot.module.incarnation != ref.incarnation ||
          !slot.channel->removeBlocked(ref.seq)) {
        continue;  // already accepted or failed
      }
      ++slot.counters.routed;
      ++slot.counters.channelFull;
      ++pending.report.timedOut;
      --pending.waitingOn;
      m_timeoutLog.warn(slot.id + "/timeout", [&] {
        return "module '" + slot.id + "' (block policy) did not make room within " +
               std::to_string(m_options.blockTimeout.count()) +
               " ms: publish timed out, event dropped for it";
      });
    }
    assert(pending.waitingOn == 0);
    pending.waitingOn = 0;
    resolvePending(id);
  }
}

std::optional<SteadyClock::time_point> EventManager::nextDeadline() const {
  std::optional<SteadyClock::time_point> next;
  for (auto [id, generation] : m_deadlines) {
    const Pending& pending = *m_pending[id];
    if (pending.active && pending.generation == generation) {
      next = pending.deadline;
      break;
    }
  }
  if (m_backlogged) {
    auto retry = m_options.steadyNow() + kRetryInterval;
    if (!next || retry < *next) next = retry;
  }
  return next;
}

// ---- sending ----

void EventManager::markDirty(Slot& slot) {
  if (slot.dirty) return;
  slot.dirty = true;
  m_dirty.push_back(&slot);
}

void EventManager::flush() {
  if (m_dirty.empty()) return;
  std::vector<Slot*> dirty;
  dirty.swap(m_dirty);
  m_backlogged = false;
  for (Slot* slot : dirty) {
    slot->dirty = false;
    if (!slot->channel || slot->unreachable) continue;
    if (!flushSlot(*slot)) {
      markDirty(*slot);
      m_backlogged = true;
    }
  }
}

// Lifecycle lane first, then the event lane. False when the transport would block.
bool EventManager::flushSlot(Slot& slot) {
  DeliveryChannel& channel = *slot.channel;
  auto handle = [&](SendStatus status) {
    if (status == SendStatus::Unreachable && !slot.unreachable) {
      slot.unreachable = true;
      m_unreachable.push_back(slot.id);
    }
    if (status != SendStatus::Sent) return false;
    ++m_batchesSent;
    m_eventsSent += m_scratch.size();
    return true;
  };
  while (channel.hasLifecycle()) {
    m_scratch.clear();
    channel.peekLifecycle(m_scratch, m_options.maxBatchEvents);
    SendStatus status = m_sink.sendEvents(slot.id, v1::LANE_LIFECYCLE, m_scratch);
    if (!handle(status)) return status != SendStatus::WouldBlock;
    channel.markLifecycleSent(m_scratch.size());
  }
  while (channel.queued() > 0) {
    m_scratch.clear();
    channel.peekQueued(m_scratch, m_options.maxBatchEvents, m_options.maxBatchBytes);
    SendStatus status = m_sink.sendEvents(slot.id, v1::LANE_EVENT, m_scratch);
    if (!handle(status)) return status != SendStatus::WouldBlock;
    if (channel.inFlight() == 0) slot.unackedSince = m_options.steadyNow();
    channel.markSent(m_scratch.size());
  }
  return true;
}

std::vector<std::string> EventManager::takeUnreachable() {
  return std::exchange(m_unreachable, {});
}

// ---- statistics and queries ----

void EventManager::countDecodeError(const std::string& moduleId) {
  ++slotFor(moduleId).counters.decodeErrors;
}

void EventManager::countRejected(const std::string& moduleId) {
  ++slotFor(moduleId).counters.rejected;
}

DeliveryGauges EventManager::gaugesOf(const Slot& slot) const {
  DeliveryGauges gauges;
  gauges.capacity = slot.module.capacity;  // the last incarnation's, also while it is gone
  if (slot.channel) {
    gauges.queued = slot.channel->queued();
    gauges.inFlight = slot.channel->inFlight();
    gauges.blocked = slot.channel->blockedCount();
    gauges.capacity = slot.channel->capacity();
  }
  return gauges;
}

std::optional<v1::DeliveryStats> EventManager::stats(const std::string& moduleId) const {
  const Slot* slot = findSlot(moduleId);
  if (slot == nullptr) return std::nullopt;
  return toProto(slot->id, slot->counters, gaugesOf(*slot));
}

std::vector<v1::DeliveryStats> EventManager::allStats() const {
  std::vector<v1::DeliveryStats> out;
  out.reserve(m_slots.size());
  for (const auto& [id, slot] : m_slots) {
    if (!slot->module.tap) out.push_back(toProto(id, slot->counters, gaugesOf(*slot)));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.module_id() < b.module_id(); });
  return out;
}

void EventManager::resetSlot(Slot& slot) {
  const std::uint32_t held = slot.channel ? slot.channel->held() : 0;
  const std::int64_t lastEventAt = slot.counters.lastEventAtUnixMs;
  slot.counters = DeliveryCounters{};
  slot.counters.routed = held;
  slot.counters.successful = held;
  slot.counters.maxHeld = held;
  slot.counters.lastEventAtUnixMs = lastEventAt;
}

bool EventManager::resetStats(const std::string& moduleId) {
  auto it = m_slots.find(moduleId);
  if (it == m_slots.end()) return false;
  resetSlot(*it->second);
  return true;
}

void EventManager::resetAllStats() {
  for (auto& [id, slot] : m_slots)
    resetSlot(*slot);
}

std::vector<std::string> EventManager::subscribers(v1::EventType type) const {
  std::vector<std::string> out;
  if (!ipc::isValidEventType(type)) return out;
  for (const Slot* slot : m_routing.subscribers(type)) {
    if (!slot->module.tap) out.push_back(slot->id);
  }
  return out;
}

std::vector<v1::EventType> EventManager::subscriptions(const std::string& moduleId) const {
  std::vector<v1::EventType> out;
  const Slot* slot = findSlot(moduleId);
  if (slot == nullptr) return out;
  for (v1::EventType type : ipc::allEventTypes()) {
    if (slot->subscribed.test(static_cast<std::size_t>(type))) out.push_back(type);
  }
  return out;
}

std::vector<std::string> EventManager::loadedModules() const {
  std::vector<std::string> out;
  for (const Slot* slot : m_loadOrder)
    out.push_back(slot->id);
  return out;
}

std::optional<SteadyClock::time_point> EventManager::oldestUnackedSince(
    const std::string& moduleId) const {
  const Slot* slot = findSlot(moduleId);
  if (slot == nullptr || !slot->channel || slot->channel->inFlight() == 0) return std::nullopt;
  return slot->unackedSince;
}

}  // namespace plexus::host
