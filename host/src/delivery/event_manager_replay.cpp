// EventManager: replay on request (issue 13; docs/design.md "Replay on request").
//
// A module (1.5 or later) asks for the journaled events of some of its subscribed types from an
// offset or a time, up to an offset. They come from the journal thread, one read at a time, into
// the module's replay lane: flagged replayed, in journal order, through its filters, with the
// lane's own sequence numbers and credit. The lane takes events only while the module holds
// fewer than its event-lane capacity on the event and replay lanes together, and has half that
// many slots of its own: a replay fills the room live events leave and never makes one wait or
// drop. Recorded holes and offsets retention removed are gaps of the lane (dropped_before),
// counted as journal_holes and trimmed. When the reads reached the end, the BatchFlusher sends
// the ReplayEnd after the replay's last event. One replay at a time per module.

#include <algorithm>

#include "delivery/event_manager.h"
#include "delivery/journal_read_walk.h"

namespace plexus::host {

Result<v1::ReplayResponse> EventManager::requestReplay(const std::string& moduleId,
                                                       const v1::ReplayRequest& request) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleSlot* slot = m_slots.attached(moduleId);
  if (slot == nullptr || slot->stopping) {
    return makeError(v1::ERROR_CODE_UNAVAILABLE, "module '" + moduleId + "' is not running");
  }
  if (m_options.journal == nullptr) {
    return makeError(v1::ERROR_CODE_UNAVAILABLE, "the node journals nothing: nothing to replay");
  }
  if (!slot->module.replay) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "replay needs protocol 1.5");
  }
  if (slot->requested) {
    return makeError(v1::ERROR_CODE_ALREADY_EXISTS,
                     "replay " + std::to_string(slot->requested->id) +
                         " is still running (through offset " +
                         std::to_string(slot->requested->through) + "): one at a time");
  }
  if ((request.from_offset() == 0) == (request.since_unix_ms() <= 0)) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     "a replay starts at from_offset (>= 1) or at since_unix_ms (> 0), one of "
                     "them");
  }
  Journal& journal = *m_options.journal;
  std::bitset<ipc::kEventTypeSlots> types;
  for (int raw : request.types()) {
    const auto type = static_cast<v1::EventType>(raw);
    if (!ipc::isValidEventType(type)) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                       "cannot replay event type " + std::to_string(raw));
    }
    if (!slot->subscribed.test(static_cast<std::size_t>(type))) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                       "module '" + moduleId + "' is not subscribed to " + ipc::displayName(type));
    }
    if (!journal.journals(type)) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                       ipc::displayName(type) + " is not journaled (journal.types)");
    }
    types.set(static_cast<std::size_t>(type));
  }
  if (request.types_size() == 0) types = slot->subscribed & journal.types();
  if (types.none()) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     "none of the types module '" + moduleId + "' subscribes to is journaled");
  }
  const std::uint64_t last = journal.lastOffset();
  const std::uint64_t through =
      request.until_offset() > 0 ? std::min(request.until_offset(), last) : last;
  const std::uint64_t from = request.from_offset();
  if (through == 0 || (from > 0 && from > through)) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     "nothing to replay: from offset " + std::to_string(from) + " to " +
                         std::to_string(through) + " (the journal's last offset is " +
                         std::to_string(last) + ")");
  }

  if (!slot->replayLane) {
    slot->replayLane = std::make_unique<DeliveryChannel>(replayLaneCapacity(slot->module.capacity));
  }
  auto replay = std::make_unique<RequestedReplay>();
  replay->id = ++slot->lastReplayId;
  replay->from = from;
  replay->through = through;
  replay->sinceNs = from > 0 ? 0 : request.since_unix_ms() * 1'000'000;
  replay->position = from > 0 ? from - 1 : 0;
  replay->types = types;
  slot->requested = std::move(replay);

  v1::ReplayResponse response;
  response.set_replay_id(slot->requested->id);
  response.set_through_offset(through);
  for (v1::EventType type : ipc::allEventTypes()) {
    if (types.test(static_cast<std::size_t>(type))) response.add_types(type);
  }
  pumpReplay(*slot);
  return response;
}

// Room for replayed events: the lane's own slots, and what the event lane leaves of the capacity.
std::uint32_t EventManager::replayRoom(const ModuleSlot& slot) {
  const DeliveryChannel& lane = *slot.replayLane;
  const std::uint32_t held = slot.channel->held() + lane.held();
  const std::uint32_t capacity = slot.channel->capacity();
  if (held >= capacity || !lane.hasRoom()) return 0;
  return std::min(capacity - held, lane.capacity() - lane.held());
}

void EventManager::pumpReplay(ModuleSlot& slot) {
  RequestedReplay& replay = *slot.requested;
  if (replay.done || replay.reading || replay.retryAt || slot.stopping) return;
  if (replay.sinceNs == 0 && replay.position >= replay.through) {
    replay.done = true;
    m_flusher.markDirty(slot);  // the ReplayEnd leaves after its last event
    return;
  }
  const std::uint32_t room = replayRoom(slot);
  if (room == 0) return;  // an ack brings it back here
  ReadRequest read;
  read.from = replay.position + 1;
  read.to = replay.through;
  read.maxEvents = room;
  read.sinceNs = replay.sinceNs;
  read.mayStopAtCommitted = true;  // reads on from where it got: served at once by the reader
  for (std::size_t type = 0; type < ipc::kEventTypeSlots; ++type) {
    if (replay.types.test(type)) read.types.push_back(static_cast<std::int32_t>(type));
  }
  replay.reading = true;
  m_options.journal->requestRead(
      std::move(read),
      [self = std::weak_ptr<EventManager*>(m_self), id = slot.id,
       incarnation = slot.module.incarnation, replayId = replay.id](ReadResult& result) {
        if (auto manager = self.lock()) (*manager)->onReplayRead(id, incarnation, replayId, result);
      });
}

void EventManager::onReplayRead(const std::string& moduleId, std::uint64_t incarnation,
                                std::uint64_t replayId, ReadResult& result) {
  PLEXUS_ASSERT_THREAD(m_thread);
  ModuleSlot* slot = m_slots.attached(moduleId);
  if (slot == nullptr || slot->module.incarnation != incarnation || !slot->requested ||
      slot->requested->id != replayId) {
    return;  // the incarnation or the replay it was for is gone
  }
  RequestedReplay& replay = *slot->requested;
  replay.reading = false;
  if (replay.done) return;  // ended while the read was on its way (endReplayOf)
  if (!result.ok) {
    m_durableLog.warn(slot->id + "/replay", [&] {
      return "module '" + slot->id + "': reading the journal for its replay failed (" +
             result.error + "); retrying";
    });
    retryReadLater(slot->id, replay.retryAt);
    return;
  }
  replay.journalFirst = result.firstOffset;
  if (replay.sinceNs != 0) {  // the time resolved to an offset (past `through`: nothing)
    replay.sinceNs = 0;
    replay.from = result.from;
    replay.position = std::min(result.from, replay.through + 1) - 1;
  }
  DeliveryChannel& lane = *slot->replayLane;
  JournalReadWalk walk(result, replay.position, lane);
  walk.passTrimmed();
  const AcceptTime now = acceptTime();
  bool complete = true;
  for (JournalEvent& event : result.events) {
    if (event.offset <= replay.position) continue;
    if (replayRoom(*slot) == 0) {
      complete = false;
      break;
    }
    walk.passHoles(event.offset);
    const auto type = static_cast<v1::EventType>(event.type);
    if (!replay.types.test(static_cast<std::size_t>(type))) {  // unsubscribed meanwhile
      replay.position = event.offset;
      continue;
    }
    ipc::SharedBytes body = ipc::SharedBytes::copyOf(event.body);
    LazyEvent parsed(m_parsed, body);
    if (passesFilter(*slot, type, parsed)) {
      slot->accept(lane.assignSeq(), body, now, AckedLane::Replay, event.offset,
                   v1::EVENT_FLAG_REPLAYED);
      ++slot->counters.replayed;
      ++replay.events;
      m_flusher.markDirty(*slot);
    }
    replay.position = event.offset;
  }
  if (complete) walk.finish();
  replay.holes += walk.holes();
  replay.trimmed += walk.trimmed();
  slot->counters.holes += walk.holes();
  slot->counters.trimmed += walk.trimmed();
  pumpReplay(*slot);
}

void EventManager::endReplayOf(ModuleSlot& slot) {
  RequestedReplay& replay = *slot.requested;
  replay.types &= slot.subscribed;
  if (replay.done || replay.types.any()) return;
  replay.done = true;
  replay.through = replay.position;  // its ReplayEnd says how far it read
  replay.retryAt.reset();
  m_flusher.markDirty(slot);  // the ReplayEnd leaves after what its lane still holds
}

}  // namespace plexus::host
