// EventManager: durable modules (issue 13, stage 3; docs/design.md "Durable modules").
//
// A durable incarnation's journaled types reach it from the journal while it catches up, then
// live. Catching up, `position` says how far it got: every offset up to it was taken into its
// event lane, filtered out, or not of its types. pumpDurable() takes what the journal still
// holds in memory (Journal::recent), and asks the journal thread for the rest, one read at a
// time, at most as many events as the lane has room for. When `position` reaches the last offset
// handed out it goes live - on the loop thread, between two publishes: no gap and no duplicate at
// the seam. A live journaled event that finds the lane full is not dropped: the module goes back
// to catching up from that offset (the journal is its buffer; block publishers never wait for it
// on journaled types).
// A live journaled critical event goes on the critical lane at once, catching up or not; the
// catch-up passes over it (DurableState::early, then ::acked once acked).
// The cursor (everything up to it acked) moves with the acks: the highest offset acked on the
// event lane (journaled events travel there in offset order), or, when the lane holds nothing,
// `position` (catching up) or the last offset handed out (live) - but never past an offset the
// critical lane still holds; what was acked beyond that is kept as the cursor's ackedAbove.
// `deliveredThrough` - the highest offset ever sent - marks the events a next incarnation gets
// again as redelivered.

#include <algorithm>
#include <chrono>

#include "delivery/event_manager.h"
#include "delivery/journal_read_walk.h"
#include "runtime/logging.h"

namespace plexus::host {

namespace {
// How long a failed journal read (a catch-up's or a replay's) waits before it is tried again.
constexpr auto kJournalReadRetry = std::chrono::milliseconds(200);

// Whether `event` passes the module's filter for `type`, not counted (the catch-up counts it).
bool matches(const ModuleSlot& slot, v1::EventType type, LazyEvent& event) {
  if (!slot.filters.active(type)) return true;
  const v1::Event* parsed = event.get();
  return parsed != nullptr && slot.filters.matches(type, *parsed);
}
}  // namespace

void EventManager::beginDurable(ModuleSlot& slot) {
  Journal& journal = *m_options.journal;
  std::optional<Cursor> saved = journal.cursor(slot.id);
  auto state = std::make_unique<DurableState>();
  if (saved) {
    state->cursor = std::move(*saved);
  } else {
    // Its first start: from the head, the beginning, or the offset its configuration names.
    Cursor& cursor = state->cursor;
    cursor.moduleId = slot.id;
    switch (slot.module.start) {
      case ModuleAttachment::DurableStart::New:
        cursor.cursor = journal.lastOffset();
        break;
      case ModuleAttachment::DurableStart::All:
        cursor.cursor = 0;
        break;
      case ModuleAttachment::DurableStart::Offset:
        cursor.cursor = std::min(journal.lastOffset(),
                                 slot.module.startOffset > 0 ? slot.module.startOffset - 1 : 0);
        break;
    }
    cursor.deliveredThrough = cursor.cursor;
    cursor.updatedNs = wallNowMs() * 1'000'000;
    journal.saveCursor(cursor);
  }
  state->position = state->cursor.cursor;
  state->acked = OffsetRanges(state->cursor.ackedAbove);
  slot.durable = std::move(state);
  logger("events")->info("durable module '{}' resumes after offset {} (journal at {})", slot.id,
                         slot.durable->cursor.cursor, journal.lastOffset());
}

void EventManager::endDurable(ModuleSlot& slot) {
  saveProgress(slot);  // what it sent: the next incarnation gets those again, flagged
}

bool EventManager::routeDurable(ModuleSlot& slot, v1::EventType type, const ipc::SharedBytes& body,
                                std::uint64_t offset, bool critical, LazyEvent& event,
                                PublishReport& report, AcceptTime& now) {
  // Not in the journal (no offset): no catch-up can bring it, and no position is below it; the
  // module's policy decides, as for a type that is not journaled.
  if (offset == 0) return false;
  DurableState& durable = *slot.durable;
  DeliveryChannel* urgent = critical ? slot.laneIfAny(AckedLane::Critical) : nullptr;
  if (!durable.live && urgent == nullptr) return true;  // its catch-up reaches this offset
  // Filtered out: counted now when live; while it catches up, when the catch-up reaches it.
  const bool passes = durable.live ? passesFilter(slot, type, event) : matches(slot, type, event);
  if (!passes) {
    if (durable.live) {
      --report.subscribers;
      ++report.filtered;
    }
    return true;
  }
  if (urgent != nullptr && !urgent->hasBlocked() && urgent->hasRoom()) {
    // Critical: on its lane at once, live or catching up; the catch-up passes over it.
    if (now.wallMs < 0) now = acceptTime();
    acceptInto(slot, AckedLane::Critical, urgent->assignSeq(), body, now, offset);
    durable.early.push_back(offset);
    ++report.accepted;
    return true;
  }
  if (!durable.live) return true;  // no critical slot free: the catch-up brings it, in order
  DeliveryChannel& channel = *slot.channel;
  if (!channel.hasBlocked() && channel.hasRoom()) {
    if (now.wallMs < 0) now = acceptTime();
    acceptInto(slot, AckedLane::Event, channel.assignSeq(), body, now, offset);
    ++report.accepted;
    return true;
  }
  // Full: not dropped, not waited for - it catches up from this offset once there is room.
  durable.live = false;
  durable.position = offset - 1;
  ++report.accepted;  // the journal holds it for the module
  return true;
}

void EventManager::takeFromJournal(ModuleSlot& slot, std::uint64_t offset, v1::EventType type,
                                   const ipc::SharedBytes& body, AcceptTime now) {
  if (!slot.subscribed.test(static_cast<std::size_t>(type))) return;
  if (slot.durable->taken(offset)) return;  // on its critical lane already, or acked
  LazyEvent event(m_parsed, body);
  if (!passesFilter(slot, type, event)) return;
  DurableState& durable = *slot.durable;
  std::uint32_t flags = v1::EVENT_FLAG_REPLAYED;
  ++slot.counters.replayed;
  if (offset <= durable.cursor.deliveredThrough) {
    flags |= v1::EVENT_FLAG_REDELIVERED;
    ++slot.counters.redelivered;
  }
  DeliveryChannel& channel = *slot.channel;
  slot.accept(channel.assignSeq(), body, now, AckedLane::Event, offset, flags);
  m_flusher.markDirty(slot);
}

void EventManager::pumpDurable(ModuleSlot& slot) {
  DurableState& durable = *slot.durable;
  if (durable.live || durable.reading || durable.retryAt || slot.stopping ||
      slot.subscribed.none()) {
    return;
  }
  Journal& journal = *m_options.journal;
  DeliveryChannel& channel = *slot.channel;
  const std::uint64_t head = journal.lastOffset();
  const AcceptTime now = acceptTime();
  while (durable.position < head && channel.hasRoom()) {
    const RecentEvent* recent = journal.recent(durable.position + 1);
    if (recent == nullptr) break;
    takeFromJournal(slot, recent->offset, recent->type, recent->body, now);
    durable.position = recent->offset;
  }
  if (durable.position >= head) {
    durable.live = true;
    saveProgress(slot);
    return;
  }
  if (!channel.hasRoom()) return;  // an ack brings it back here
  ReadRequest read;
  read.from = durable.position + 1;
  read.to = head;
  read.maxEvents = channel.capacity() - channel.held();
  read.mayStopAtCommitted = true;  // reads on from where it got: served at once by the reader
  for (std::size_t type = 0; type < ipc::kEventTypeSlots; ++type) {
    if (slot.subscribed.test(type) && journal.journals(static_cast<v1::EventType>(type)))
      read.types.push_back(static_cast<std::int32_t>(type));
  }
  if (read.types.empty()) {  // none of its types is journaled: nothing to catch up
    durable.position = head;
    durable.live = true;
    saveProgress(slot);
    return;
  }
  const std::uint64_t incarnation = slot.module.incarnation;
  durable.reading = true;
  journal.requestRead(std::move(read), [self = std::weak_ptr<EventManager*>(m_self), id = slot.id,
                                        incarnation](ReadResult& result) {
    if (auto manager = self.lock()) (*manager)->onJournalRead(id, incarnation, result);
  });
}

void EventManager::onJournalRead(const std::string& moduleId, std::uint64_t incarnation,
                                 ReadResult& result) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleSlot* slot = m_slots.attached(moduleId);
  if (slot == nullptr || slot->module.incarnation != incarnation || !slot->durable) {
    return;  // the incarnation it was for is gone
  }
  DurableState& durable = *slot->durable;
  durable.reading = false;
  if (!result.ok) {
    m_durableLog.warn(slot->id + "/read", [&] {
      return "durable module '" + slot->id + "': reading the journal failed (" + result.error +
             "); retrying";
    });
    retryReadLater(slot->id, durable.retryAt);
    return;
  }
  // What retention removed before the module read it, and recorded holes: gaps, counted.
  JournalReadWalk walk(result, durable.position, *slot->channel);
  if (const std::uint64_t through = walk.passTrimmed(); through > 0) {
    m_durableLog.warn(slot->id + "/trimmed", [&] {
      return "durable module '" + slot->id + "': retention trimmed offsets up to " +
             std::to_string(through) + " before it read them";
    });
  }
  const AcceptTime now = acceptTime();
  bool complete = true;
  for (JournalEvent& event : result.events) {
    if (event.offset <= durable.position) continue;
    if (!slot->channel->hasRoom()) {
      complete = false;
      break;
    }
    walk.passHoles(event.offset);
    takeFromJournal(*slot, event.offset, static_cast<v1::EventType>(event.type),
                    ipc::SharedBytes::copyOf(event.body), now);
    durable.position = event.offset;
  }
  if (complete) walk.finish();
  slot->counters.holes += walk.holes();
  slot->counters.trimmed += walk.trimmed();
  pumpDurable(*slot);
}

void EventManager::retryReadLater(const std::string& moduleId,
                                  std::optional<SteadyClock::time_point>& retryAt) {
  retryAt = m_options.steadyNow() + kJournalReadRetry;
  if (std::find(m_readRetries.begin(), m_readRetries.end(), moduleId) == m_readRetries.end())
    m_readRetries.push_back(moduleId);
}

void EventManager::retryReads() {
  const auto now = m_options.steadyNow();
  auto due = [&](std::optional<SteadyClock::time_point>& retryAt) {
    if (!retryAt || *retryAt > now) return false;
    retryAt.reset();
    return true;
  };
  std::vector<std::string> ids = std::exchange(m_readRetries, {});
  for (const std::string& id : ids) {
    ModuleSlot* slot = m_slots.attached(id);
    if (slot == nullptr) continue;
    if (slot->durable && due(slot->durable->retryAt)) pumpDurable(*slot);
    if (slot->requested && due(slot->requested->retryAt)) pumpReplay(*slot);
    const bool waits =
        (slot->durable && slot->durable->retryAt) || (slot->requested && slot->requested->retryAt);
    if (waits && std::find(m_readRetries.begin(), m_readRetries.end(), id) == m_readRetries.end())
      m_readRetries.push_back(id);
  }
}

// The cursor: everything up to it acked (or not for the module). The event lane is acked in
// offset order through its highest acked offset - or, holding nothing, through `position`
// (catching up) or the last offset handed out (live) - except the offsets the critical lane
// still holds; what lies above the first of those is kept as acked above the cursor.
void EventManager::saveProgress(ModuleSlot& slot) {
  DurableState& durable = *slot.durable;
  const DeliveryChannel& channel = *slot.channel;
  const DeliveryChannel* urgent = slot.laneIfAny(AckedLane::Critical);
  if (urgent != nullptr) {  // its journaled offsets ascend: acked through its highest acked one
    while (!durable.early.empty() && durable.early.front() <= urgent->ackedOffset()) {
      durable.acked.insert(durable.early.front());
      durable.early.pop_front();
    }
  }
  std::uint64_t through = std::max(durable.cursor.cursor, channel.ackedOffset());
  if (channel.held() == 0) {
    through = std::max(through, durable.live ? m_options.journal->lastOffset() : durable.position);
  }
  std::uint64_t from = durable.cursor.cursor + 1;
  for (const std::uint64_t held : durable.early) {
    if (held > through) break;
    if (held > from) durable.acked.insert(from, held - 1);
    from = std::max(from, held + 1);
  }
  if (from <= through) durable.acked.insert(from, through);
  const std::uint64_t cursor = durable.acked.extend(durable.cursor.cursor);
  durable.acked.eraseThrough(cursor);
  const std::uint64_t delivered = std::max({durable.cursor.deliveredThrough, channel.sentOffset(),
                                            urgent != nullptr ? urgent->sentOffset() : 0, cursor});
  if (cursor == durable.cursor.cursor && delivered == durable.cursor.deliveredThrough &&
      durable.acked.ranges() == durable.cursor.ackedAbove) {
    return;
  }
  durable.cursor.cursor = cursor;
  durable.cursor.deliveredThrough = delivered;
  durable.cursor.ackedAbove = durable.acked.ranges();
  durable.cursor.updatedNs = wallNowMs() * 1'000'000;
  m_options.journal->saveCursor(durable.cursor);
}

}  // namespace plexus::host

namespace plexus::host {

// ---- the journal's back-pressure ----

bool EventManager::waitForJournal(v1::EventType type, const ipc::SharedBytes& body,
                                  const PublishOptions& options, std::uint64_t& offset) {
  Journal& journal = *m_options.journal;
  const bool mayWait =
      options.waiter != nullptr && m_durableTypes.test(static_cast<std::size_t>(type));
  if (!mayWait) {
    offset = journal.record(type, body);
    return false;
  }
  if (m_journalWaits.empty()) {
    if (auto taken = journal.tryRecord(type, body)) {
      offset = *taken;
      return false;
    }
  }
  // The journal's queue is full or no reserved offset is left (or others wait before it): a
  // durable module would otherwise miss it, so the publisher waits, as for a full block-policy
  // subscriber.
  m_journalWaits.push_back({type, body, options, m_options.steadyNow() + m_options.blockTimeout});
  return true;
}

void EventManager::onJournalRoom() {
  PLEXUS_ASSERT_THREAD(m_thread);
  while (!m_journalWaits.empty()) {
    JournalWait& first = m_journalWaits.front();
    const auto offset = m_options.journal->tryRecord(first.type, first.body);
    if (!offset) return;  // still full, or not reserved yet: the next notice
    JournalWait wait = std::move(first);
    m_journalWaits.pop_front();
    wait.options.offset = *offset;
    if (auto report = publish(wait.type, wait.body, wait.options))
      wait.options.waiter->onPublishDone(wait.options.token, *report);
  }
}

// Waits past their deadline: not published at all; the publisher learns that the durable
// subscribers timed out (the journal did not make room in time).
void EventManager::expireJournalWaits(SteadyClock::time_point now) {
  while (!m_journalWaits.empty() && m_journalWaits.front().deadline <= now) {
    JournalWait wait = std::move(m_journalWaits.front());
    m_journalWaits.pop_front();
    PublishReport report;
    report.published = false;
    for (ModuleSlot* slot : m_routing.subscribers(wait.type)) {
      if (!slot->durable) continue;
      ++report.subscribers;
      ++report.timedOut;
      report.missed.push_back({slot->id, MissReason::TimedOut});
    }
    m_durableLog.warn("journal-wait", [&] {
      return "the journal did not make room within " +
             std::to_string(m_options.blockTimeout.count()) + " ms: a publish of " +
             ipc::displayName(wait.type) + " for durable modules timed out";
    });
    wait.options.waiter->onPublishDone(wait.options.token, report);
  }
}

void EventManager::noteDurableTypes() {
  m_durableTypes.reset();
  m_slots.forEach([&](const ModuleSlot& slot) {
    if (slot.durable) m_durableTypes |= slot.subscribed;
  });
  if (m_options.journal != nullptr) m_durableTypes &= m_options.journal->types();
}

}  // namespace plexus::host
