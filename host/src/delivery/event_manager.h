#pragma once

// EventManager: the facade of delivery - the routing table, the per-module delivery channels,
// the statistics and the replay to late subscribers (docs/design.md "Delivery").
//
// Publish is one routing-table lookup, then a try-push into each subscriber's channel:
// - room in the channel            -> accepted (holds a slot until acked);
// - full, drop policy              -> dropped for that module only, counted as channel_full;
// - full, block policy, and the publisher can wait (it passed a PublishWaiter)
//                                  -> waits in that module's FIFO, without a slot, until an ack
//                                     makes room or the block timeout expires (channel_full);
// - full, block policy, publisher cannot wait (the host's own events) -> channel_full.
// Lifecycle-lane types go to the lifecycle lane instead: never dropped, never counted.
// Priority (docs/design.md "Priority lane"): an event of critical priority goes to each
// subscriber's critical lane instead of its event lane - its own slots, its own seq numbers and
// block-policy FIFO, flushed before the event lane - or to its event lane when it has none.
// The report names every block-policy subscriber that did not take the event, with why
// (PublishReport::missed): stopping, gone, timed out, full - or restarting: a block module
// between incarnations (crash backoff, reload) keeps the types its last incarnation subscribed
// to, and each event of them counts as failed for it until its next incarnation subscribes,
// for as long as Options::returning says that incarnation is on its way.
//
// Counters move when an event's fate for a module is resolved, so both invariants hold after
// every call: routed = successful + channel_full + failed, and
// successful = acked + queued + in_flight + lost.
//
// The parts, each in its own unit: ModuleSlot (one module's state and accounting),
// RoutingTable, Replay (ModuleLoaded and sticky events), BlockedPublishes (publishes waiting
// for block subscribers, with their deadlines) and BatchFlusher (sending the batches).
//
// Thread rule: loop thread only (checked). Nothing here blocks or waits; waiting publishers
// are told through their PublishWaiter, on the loop thread.

#include <plexus/v1/events.pb.h>
#include <plexus/v1/stats.pb.h>
#include <plexus/v1/wire.pb.h>

#include <bitset>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "delivery/batch_flusher.h"
#include "delivery/blocked_publishes.h"
#include "delivery/event_sink.h"
#include "delivery/hold_histogram.h"
#include "delivery/module_attachment.h"
#include "delivery/module_slot.h"
#include "delivery/publish_waiter.h"
#include "delivery/replay.h"
#include "delivery/routing_table.h"
#include "delivery/subscription_filters.h"
#include "journal/journal.h"
#include "plexus/host/publish_report.h"
#include "plexus/ipc/result.h"
#include "plexus/ipc/shared_bytes.h"
#include "plexus/ipc/thread_checker.h"
#include "runtime/rate_limited_log.h"

namespace plexus::host {

// Who accepted an event (publish() can report it, for maintenance completion).
struct Acceptance {
  std::string moduleId;
  std::uint64_t incarnation = 0;
  std::uint64_t seq = 0;
  AckedLane lane = AckedLane::Event;
};

struct SubscribeOutcome {
  bool loaded = false;                    // this Subscribe made the module ready (its first)
  std::vector<v1::EventType> subscribed;  // the full set now
  std::vector<SubscribeRefusal> refused;  // types of this Subscribe not subscribed, and why
};

class EventManager {
 public:
  struct Options {
    std::chrono::milliseconds blockTimeout{1000};
    std::size_t maxBatchEvents = 1024;
    std::size_t maxBatchBytes = 1u << 20;
    std::function<SteadyClock::time_point()> steadyNow = [] { return SteadyClock::now(); };
    // After a pause of the node (Timers::graceUntil), no block-publish deadline expires before
    // this time (of steadyNow): the subscribers' acks may still wait in the socket. Optional.
    std::function<SteadyClock::time_point()> graceUntil;
    std::function<std::int64_t()> wallNowMs;  // default: system clock
    // Builds the serialized ModuleLoaded event announcing `module`.
    std::function<ipc::SharedBytes(const ModuleAttachment&)> makeModuleLoaded;
    // Whether a next incarnation of a detached module is on its way (restart scheduled, or
    // spawned and not subscribed yet). Default: never.
    std::function<bool(const std::string& moduleId)> returning;
    // The types of critical priority (NodeConfig.priorities; config/priorities.h): they go to
    // each module's critical lane, when it has one. Default: none.
    std::bitset<ipc::kEventTypeSlots> criticalTypes;
    // The node's journal (issue 13): each published event of a type it journals gets an offset
    // before it is routed. Optional; owned by the caller, outlives the EventManager.
    Journal* journal = nullptr;
    // This node's name (NodeConfig.node_name), stamped as origin.node by the publish paths.
    std::string nodeName;
  };

  EventManager(EventSink& sink, Options options);
  ~EventManager();
  EventManager(const EventManager&) = delete;
  EventManager& operator=(const EventManager&) = delete;

  // ---- module lifecycle, driven by the supervisor ----
  // Opens a channel for a new incarnation (after its handshake). Not routed to until it
  // subscribes. Statistics of the module id carry over from earlier incarnations.
  void attach(const ModuleAttachment& module);
  // Adds types. The first Subscribe of an incarnation loads the module: it receives ModuleLoaded
  // for every already-loaded module (load order), then its own ModuleLoaded goes to every
  // subscriber of ModuleLoaded, itself included. `filters` are the module's content filters for
  // some of `types` (docs/filters.md): each listed type gets its filter, or none when it has no
  // entry, replacing the earlier one; a filter that does not compile refuses that type only
  // (SubscribeOutcome::refused), leaving its earlier subscription as it was. A type outside the
  // module's capabilities refuses the whole Subscribe (PERMISSION_DENIED).
  Result<SubscribeOutcome> subscribe(const std::string& moduleId,
                                     std::span<const v1::EventType> types,
                                     std::span<const FilterRequest> filters = {});
  Result<std::vector<v1::EventType>> unsubscribe(const std::string& moduleId,
                                                 std::span<const v1::EventType> types);
  // Credit return: the module handled every event of `lane` with seq <= throughSeq
  // (LANE_UNSPECIFIED = LANE_EVENT; LANE_CRITICAL only for a module with a critical lane).
  Status ack(const std::string& moduleId, std::uint64_t throughSeq, v1::Lane lane = v1::LANE_EVENT);
  // The module was asked to stop: its channel takes no new events (they count as failed),
  // waiting block publishes stop waiting for it; it may still ack what it holds.
  void beginStopping(const std::string& moduleId);
  // The incarnation is gone (exited, hung, unreachable): subscriptions removed, channel closed,
  // what it still held counted as lost, removed from the loaded set. A block-policy module's
  // types are kept as its absence (see above) until its next incarnation subscribes.
  void detach(const std::string& moduleId);
  // Removes a detached module id: its statistics and subscriptions, as if never seen (the
  // operator's `forget`). False when it is attached or unknown.
  bool forget(const std::string& moduleId);
  // A tail session ended: detaches the tap and forgets everything about it (its statistics
  // too), so ended sessions leave nothing behind. Only taps: they have the drop policy, so no
  // waiting publish can still point to them. Ignores ids that are not taps.
  void removeTap(const std::string& tapId);

  // ---- publishing ----
  // Routes one serialized event. Returns the report when the publish is resolved now; nullopt
  // when it waits for block subscribers (options.waiter is told later).
  // `accepted`, if given, receives the modules that accepted it into their channel.
  std::optional<PublishReport> publish(v1::EventType type, const ipc::SharedBytes& body,
                                       const PublishOptions& options = {},
                                       std::vector<Acceptance>* accepted = nullptr);
  // Lifecycle lane to every attached module, subscribed or not (NodeShutdown).
  void publishToAll(const ipc::SharedBytes& body);
  // Publishes an event that also reaches later subscribers, once per incarnation, while it
  // stands: a state rather than a moment (NodeStartup, DiskSpaceLow while the disk is low).
  // Lifecycle types replay on the lifecycle lane, others through the event lane (counted).
  void publishSticky(v1::EventType type, const ipc::SharedBytes& body);
  void clearSticky(v1::EventType type);
  // True once the module acked the accepted event, or is gone (a later incarnation, detached).
  bool handled(const Acceptance& acceptance) const;

  // Sends what is queued (lifecycle lane first) to every module that has something to send.
  void flush();
  // Modules the transport reported unreachable since the last call.
  std::vector<std::string> takeUnreachable();
  // Times out waiting block publishes whose deadline passed.
  void expire();
  // When expire() or a flush retry needs to run next; nullopt if nothing waits.
  std::optional<SteadyClock::time_point> nextDeadline() const;

  // ---- replay on request (event_manager_replay.cpp; docs/design.md "Replay on request") ----
  // Starts a replay of journaled events into the module's replay lane, answered at once; its
  // events and then its ReplayEnd follow through the sink. Errors: UNAVAILABLE (not running, no
  // journal), INVALID_ARGUMENT (below 1.5, no start or both, a type not subscribed or not
  // journaled, nothing in range), ALREADY_EXISTS (one is running).
  Result<v1::ReplayResponse> requestReplay(const std::string& moduleId,
                                           const v1::ReplayRequest& request);
  // Whether the node journals (so modules of 1.5 or later may ask for replays).
  bool journals() const { return m_options.journal != nullptr; }
  // Options::nodeName; set at construction, never changed: any thread may read it.
  const std::string& nodeName() const { return m_options.nodeName; }

  // ---- the journal's back-pressure (event_manager_durable.cpp) ----
  // The journal has room again (after Journal::onNotices: its thread's queue took a group, or a
  // reservation became durable): publishes that wait for it go on, in order.
  void onJournalRoom();

  // ---- statistics and queries ----
  void countDecodeError(const std::string& moduleId);
  void countRejected(const std::string& moduleId);
  std::optional<v1::DeliveryStats> stats(const std::string& moduleId) const;
  std::vector<v1::DeliveryStats> allStats() const;  // every module id ever seen, sorted
  // The same with counters since node start (resets do not touch them), and each module's hold
  // times: for /metrics.
  struct SinceStart {
    v1::DeliveryStats stats;
    HoldHistogram holdTimes;
  };
  std::vector<SinceStart> allStatsSinceStart() const;
  bool resetStats(const std::string& moduleId);  // false when unknown
  void resetAllStats();
  std::vector<std::string> subscribers(v1::EventType type) const;
  // The effective filter of a subscriber of `type` ("" when none): SubscriptionFilters::describe.
  std::string filterOf(const std::string& moduleId, v1::EventType type) const;
  // The module's channel is closed (beginStopping) while it is still attached.
  bool isStopping(const std::string& moduleId) const;
  std::vector<v1::EventType> subscriptions(const std::string& moduleId) const;
  std::vector<std::string> loadedModules() const;  // load order
  std::uint64_t eventsPublished() const;
  // Ids it keeps state for: every module id ever seen, and the live tail sessions.
  std::size_t slotCount() const;
  std::uint64_t eventsSent() const;
  std::uint64_t batchesSent() const;
  // eventsPublished() by source (PublishSource order); sticky and to-all publishes are the host's.
  PublishCounts eventsPublishedBySource() const;
  // Time of the last ack that made progress while events were in flight (stall detection).
  std::optional<SteadyClock::time_point> oldestUnackedSince(const std::string& moduleId) const;

 private:
  void acceptInto(ModuleSlot& slot, AckedLane lane, std::uint64_t seq, const ipc::SharedBytes& body,
                  AcceptTime now, std::uint64_t offset);
  void catchUp(ModuleSlot& slot, v1::EventType type);
  void admitBlocked(ModuleSlot& slot, AckedLane lane);
  void failBlocked(ModuleSlot& slot, MissReason reason);
  void failAbsent(v1::EventType type, PublishReport& report);
  bool timeOut(const BlockedPublishes::Wait& wait);
  void publishLifecycle(v1::EventType type, const ipc::SharedBytes& body);
  // False when `slot` has a filter for `type` that `event` does not match (counted as filtered).
  bool passesFilter(ModuleSlot& slot, v1::EventType type, LazyEvent& event);
  std::int64_t wallNowMs() const;
  std::int64_t steadyNs() const;  // of m_options.steadyNow
  AcceptTime acceptTime() const;  // both clocks, for an acceptance
  // Durable modules (event_manager_durable.cpp).
  void beginDurable(ModuleSlot& slot);
  void endDurable(ModuleSlot& slot);
  // A live publish of a journaled event to a durable subscriber: true when it was dealt with
  // here (taken live, left to the catch-up, or filtered out); false for an event without an
  // offset, which the module's policy takes as for any module.
  // A critical one goes on its critical lane at once, catching up or not, when it has room.
  bool routeDurable(ModuleSlot& slot, v1::EventType type, const ipc::SharedBytes& body,
                    std::uint64_t offset, bool critical, LazyEvent& event, PublishReport& report,
                    AcceptTime& now);
  // Catching up: takes what memory holds, then asks the journal for the rest, or goes live.
  void pumpDurable(ModuleSlot& slot);
  void takeFromJournal(ModuleSlot& slot, std::uint64_t offset, v1::EventType type,
                       const ipc::SharedBytes& body, AcceptTime now);
  void saveProgress(ModuleSlot& slot);
  // A failed journal read (a catch-up's or a replay's) is tried again 200 ms later:
  // sets `retryAt` and puts the module on the retry list once; retryReads() tries what is due.
  void retryReadLater(const std::string& moduleId, std::optional<SteadyClock::time_point>& retryAt);
  void retryReads();
  // A publish of a journaled type a durable module subscribes to, from a publisher that can
  // wait, while the journal's queue is full or no reserved offset is left: it waits (in order)
  // instead of becoming a hole or going without an offset.
  // True when it waits; else `offset` is the event's offset.
  bool waitForJournal(v1::EventType type, const ipc::SharedBytes& body,
                      const PublishOptions& options, std::uint64_t& offset);
  void expireJournalWaits(SteadyClock::time_point now);
  void noteDurableTypes();  // recomputes m_durableTypes
  // A catching-up durable module's read came back (Journal::onReads): it takes what the read
  // brought, then goes on (memory, another read, or live).
  void onJournalRead(const std::string& moduleId, std::uint64_t incarnation, ReadResult& result);

  // Replay on request (event_manager_replay.cpp).
  static std::uint32_t replayRoom(const ModuleSlot& slot);
  void pumpReplay(ModuleSlot& slot);
  // After an unsubscribe: the replay goes on with the types still subscribed; with none left
  // it ends where its reads got to.
  void endReplayOf(ModuleSlot& slot);
  void onReplayRead(const std::string& moduleId, std::uint64_t incarnation, std::uint64_t replayId,
                    ReadResult& result);

  Options m_options;
  ModuleSlots m_slots;
  // Slots forgotten while a blocked publish may still point at them: freed once none waits.
  std::vector<std::unique_ptr<ModuleSlot>> m_forgotten;
  RoutingTable<ModuleSlot> m_routing;
  Replay m_replay;
  BlockedPublishes m_blocked;
  BatchFlusher m_flusher;
  // Block-policy modules between incarnations: the types their last incarnation subscribed to.
  // By id, not slot: few entries, and only the publish path reads them (when not empty).
  struct Absence {
    std::string moduleId;
    std::bitset<ipc::kEventTypeSlots> types;
  };
  std::vector<Absence> m_absent;
  std::uint64_t m_eventsPublished = 0;
  PublishCounts m_publishedBy{};           // of m_eventsPublished, by PublishOptions::source
  std::vector<std::string> m_readRetries;  // modules whose last read (catch-up, replay) failed
  // The types some durable module subscribes to, and the publishes waiting for the journal.
  std::bitset<ipc::kEventTypeSlots> m_durableTypes;
  struct JournalWait {
    v1::EventType type;
    ipc::SharedBytes body;
    PublishOptions options;
    SteadyClock::time_point deadline;
  };
  std::deque<JournalWait> m_journalWaits;
  // Held by the journal reads on their way: a read that comes back after this EventManager is
  // gone finds it expired.
  std::shared_ptr<EventManager*> m_self = std::make_shared<EventManager*>(this);
  RateLimitedLog m_durableLog;
  ParseArena m_parsed;  // where a publish's body is parsed for the filters (LazyEvent)
  RateLimitedLog m_timeoutLog;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
