#pragma once

// ModuleSlot: everything the EventManager knows about one module id. Its statistics outlive
// incarnations; its channel, subscriptions and replay state exist while an incarnation is
// attached. The accounting of an event's fate for the module lives here, so that both
// invariants hold after every call (stats.proto): every routed event is counted once, then as
// exactly one of successful (accepted), channel_full (dropped or timed out) or failed.
// ModuleSlots: the slots by module id. A slot, once created, lives as long as the table, so
// pointers to it (routing table, load order, waiting publishes) stay valid; the one exception
// is a tap's, erased when its tail session ends (EventManager::removeTap).
// Thread rule: loop thread only (owned by the EventManager).

#include <plexus/v1/events.pb.h>
#include <plexus/v1/stats.pb.h>

#include <algorithm>
#include <bitset>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "delivery/delivery_channel.h"
#include "delivery/delivery_stats.h"
#include "delivery/hold_histogram.h"
#include "delivery/module_attachment.h"
#include "delivery/offset_ranges.h"
#include "delivery/publish_waiter.h"
#include "delivery/subscription_filters.h"
#include "journal/journal_types.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/result.h"
#include "plexus/ipc/shared_bytes.h"
#include "plexus/ipc/thread_checker.h"

namespace plexus::host {

// A durable incarnation's delivery of its journaled types (docs/design.md "Durable modules"):
// catching up from the journal (`position`: every offset up to it was taken into the channel or
// was not for it), then live from the head on.
// Critical events (docs/design.md "Critical events of a durable module"): a live journaled
// event of critical priority goes on the critical lane at once, even while the module catches
// up; `early` holds the offsets the critical lane holds (ascending: taken in publish order),
// `acked` the offsets acked above the cursor (critical acks, and the saved ackedAbove of
// earlier incarnations). The catch-up passes over both: nothing is delivered twice.
struct DurableState {
  Cursor cursor;  // as last saved (the journal keeps it across incarnations and restarts)
  bool live = false;
  std::uint64_t position = 0;
  std::deque<std::uint64_t> early;  // on the critical lane, not acked yet
  OffsetRanges acked;               // acked above cursor.cursor
  // Whether the catch-up must pass over `offset` (taken on the critical lane, or acked).
  bool taken(std::uint64_t offset) const {
    return acked.contains(offset) || std::find(early.begin(), early.end(), offset) != early.end();
  }
  bool reading = false;                            // a read of the journal is on its way
  std::optional<SteadyClock::time_point> retryAt;  // a failed read is tried again then
};

// A replay the module asked for (docs/design.md "Replay on request"): journaled events of
// `types` up to `through`, read from the journal into its replay lane. `position`: every offset up
// to it was taken, passed as a gap, or not for it.
struct RequestedReplay {
  std::uint64_t id = 0;  // per incarnation, from 1 (ReplayResponse.replay_id)
  std::uint64_t from = 0;
  std::uint64_t through = 0;
  std::int64_t sinceNs = 0;  // nonzero until the first read resolved the time to an offset
  std::uint64_t position = 0;
  std::bitset<ipc::kEventTypeSlots> types;
  bool reading = false;
  std::optional<SteadyClock::time_point> retryAt;
  bool done = false;  // read through `through`: its ReplayEnd follows its last event
  std::uint64_t events = 0;
  std::uint64_t holes = 0;
  std::uint64_t trimmed = 0;
  std::uint64_t journalFirst = 0;  // the journal's oldest event, as the last read saw it
};

struct ModuleSlot {
  explicit ModuleSlot(std::string moduleId) : id(std::move(moduleId)) {}

  bool attached() const { return channel != nullptr; }
  // A new incarnation: a fresh channel; nothing subscribed, loaded or replayed yet.
  void beginIncarnation(const ModuleAttachment& attachment);
  // The incarnation is gone: no channel, subscriptions or replay state (the caller counted what
  // the channel held and failed what waited for it first).
  void endIncarnation();

  // Whether the module may subscribe to every one of `types` (all or nothing).
  Status checkSubscribe(std::span<const v1::EventType> types) const;
  std::vector<v1::EventType> subscriptions() const;  // in type order

  // The channel of an acked lane. Precondition: laneIfAny(which) != nullptr.
  DeliveryChannel& lane(AckedLane which) { return *laneIfAny(which); }
  const DeliveryChannel& lane(AckedLane which) const { return *laneIfAny(which); }
  // The channel of an acked lane, or nullptr when there is none (detached; no critical lane; no
  // replay asked for yet).
  DeliveryChannel* laneIfAny(AckedLane which) {
    switch (which) {
      case AckedLane::Critical:
        return critical.get();
      case AckedLane::Replay:
        return replayLane.get();
      case AckedLane::Event:
        break;
    }
    return channel.get();
  }
  const DeliveryChannel* laneIfAny(AckedLane which) const {
    return const_cast<ModuleSlot*>(this)->laneIfAny(which);
  }
  // Where an event of that priority goes: an incarnation without a critical lane takes critical
  // events on its event lane.
  AckedLane laneFor(bool criticalPriority) const {
    return criticalPriority && critical ? AckedLane::Critical : AckedLane::Event;
  }
  // Events in flight on any lane.
  bool hasInFlight() const {
    return channel->inFlight() > 0 || (critical && critical->inFlight() > 0) ||
           (replayLane && replayLane->inFlight() > 0);
  }

  // ---- one routed event's fate (acked lanes) ----
  // Takes a slot of `which`. Precondition: that lane has room. `now`: the clocks (wall for
  // last_event_at, steady for the hold time);
  // `offset`: the event's journal offset (0 = not journaled), kept in the lane with the event.
  void accept(std::uint64_t seq, const ipc::SharedBytes& body, AcceptTime now,
              AckedLane which = AckedLane::Event, std::uint64_t offset = 0,
              std::uint32_t flags = 0) {
    DeliveryChannel& into = lane(which);
    into.accept(seq, body, offset, flags, now.steadyNs);
    ++m_held;
    LaneCounters& count = counters.lane(which);
    ++count.routed;
    ++count.successful;
    count.maxHeld = std::max(count.maxHeld, into.held());
    counters.maxHeld = std::max(counters.maxHeld, m_held);
    counters.lastEventAtUnixMs = now.wallMs;
  }
  // The module acked `which` through `throughSeq`: releases those slots and counts them acked;
  // returns how many were released (errors as DeliveryChannel::acknowledge). `nowNs`: the steady
  // clock, for their hold times (0: none observed).
  Result<std::uint32_t> acknowledge(AckedLane which, std::uint64_t throughSeq,
                                    std::int64_t nowNs = 0);
  // The incarnation is gone: what `which` held is counted lost (nothing when it has no such lane).
  void discardHeld(AckedLane which);
  // Its filter turned the event away: no slot, no sequence number; not routed.
  void countFiltered() { ++counters.filtered; }
  // Full lane: counted exactly; logged at most once per interval, with how many since.
  void countDropped(AckedLane which = AckedLane::Event);
  // Stopping or gone: it will never accept the event.
  void countFailed(AckedLane which = AckedLane::Event) {
    LaneCounters& count = counters.lane(which);
    ++count.routed;
    ++count.failed;
  }
  // A block-policy wait that expired: dropped for this module after all.
  void countTimedOut(AckedLane which = AckedLane::Event) {
    LaneCounters& count = counters.lane(which);
    ++count.routed;
    ++count.channelFull;
  }
  // What the acked lanes hold. Kept here rather than summed from the lanes, so that accepting an
  // event on the event lane never touches the other lanes' channels (publish cost: one cache
  // line less per subscriber).
  std::uint32_t held() const { return m_held; }

  // ---- statistics ----
  DeliveryGauges gauges() const;
  v1::DeliveryStats stats() const { return toProto(id, counters, gauges()); }
  // Zeroes the counters, except that what the channel holds stays counted as routed and
  // successful (so both invariants still hold) and the time of the last event is kept.
  void resetCounters();
  // The same, counted since node start: resets do not touch these (metrics).
  v1::DeliveryStats statsSinceStart() const {
    return toProto(id, sinceStart(resetBase, counters), gauges());
  }

  const std::string id;
  DeliveryCounters counters;
  DeliveryCounters resetBase;                // what resets took away (sinceStart)
  HoldHistogram holdTimes;                   // acceptance to ack, all acked lanes, since node start
  ModuleAttachment module;                   // the current (or last) incarnation
  std::unique_ptr<DeliveryChannel> channel;  // event lane (and the lifecycle lane)
  std::unique_ptr<DeliveryChannel> critical;    // critical lane; null when it has none
  std::unique_ptr<DeliveryChannel> replayLane;  // replay lane, from its first replay; else null
  std::unique_ptr<DurableState> durable;        // a durable incarnation's, else null
  std::unique_ptr<RequestedReplay> requested;   // the replay on its way, else null
  std::uint64_t lastReplayId = 0;               // of this incarnation
  std::bitset<ipc::kEventTypeSlots> subscribed;
  SubscriptionFilters filters;                 // of this incarnation
  bool loaded = false;                         // its first Subscribe announced it (ModuleLoaded)
  bool stopping = false;                       // asked to stop: takes no new events
  std::bitset<ipc::kEventTypeSlots> replayed;  // replays it got this incarnation, per type
  bool dirty = false;                          // has something to flush (BatchFlusher)
  bool unreachable = false;                    // the transport said the peer is gone
  std::optional<SteadyClock::time_point> unackedSince;
  ipc::SharedBytes announcement;  // its ModuleLoaded, replayed to later subscribers
  std::uint64_t dropsSinceWarning = 0;
  std::int64_t nextDropWarningMs = 0;  // coarse monotonic

 private:
  std::uint32_t m_held = 0;  // the acked lanes' held(); see held()
};

class ModuleSlots {
 public:
  ModuleSlot& getOrCreate(const std::string& moduleId);
  ModuleSlot* find(const std::string& moduleId);
  const ModuleSlot* find(const std::string& moduleId) const;
  // The slot while an incarnation is attached; nullptr when unknown or detached.
  ModuleSlot* attached(const std::string& moduleId);
  // Takes the slot out (nullptr when unknown); the caller decides when it may be freed.
  std::unique_ptr<ModuleSlot> remove(const std::string& moduleId);
  // Removes the slot. The caller made sure nothing points to it any more.
  void erase(const std::string& moduleId);

  std::size_t size() const { return m_slots.size(); }
  template <class Fn>
  void forEach(Fn&& fn) {
    PLEXUS_ASSERT_THREAD(m_thread);
    for (auto& entry : m_slots)
      fn(*entry.second);
  }
  template <class Fn>
  void forEach(Fn&& fn) const {
    PLEXUS_ASSERT_THREAD(m_thread);
    for (const auto& entry : m_slots)
      fn(static_cast<const ModuleSlot&>(*entry.second));
  }

 private:
  std::unordered_map<std::string, std::unique_ptr<ModuleSlot>> m_slots;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
