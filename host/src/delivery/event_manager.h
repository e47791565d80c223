#pragma once

// EventManager: the routing table, the per-module delivery channels, the statistics and the
// ModuleLoaded replay (DESIGN.md "Event manager semantics").
//
// Publish is one routing-table lookup, then a try-push into each subscriber's channel:
// - room in the channel            -> accepted (holds a slot until acked);
// - full, drop policy              -> dropped for that module only, counted as channel_full;
// - full, block policy, and the publisher can wait (it passed a PublishWaiter)
//                                  -> waits in that module's FIFO, without a slot, until an ack
//                                     makes room or the block timeout expires (channel_full);
// - full, block policy, publisher cannot wait (the host's own events) -> channel_full.
// Lifecycle-lane types go to the lifecycle lane instead: never dropped, never counted.
//
// Counters move when an event's fate for a module is resolved, so both invariants hold after
// every call: routed = successful + channel_full + failed, and
// successful = acked + queued + in_flight + lost.
//
// Thread rule: every method runs on the node's loop thread. Nothing here blocks or waits;
// waiting publishers are told through their PublishWaiter, on the loop thread.

#include <plexus/v1/events.pb.h>
#include <plexus/v1/stats.pb.h>

#include <bitset>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "delivery/delivery_channel.h"
#include "delivery/delivery_stats.h"
#include "delivery/event_sink.h"
#include "delivery/routing_table.h"
#include "plexus/host/publish_report.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/result.h"
#include "plexus/ipc/shared_bytes.h"
#include "runtime/rate_limited_log.h"

namespace plexus::host {

using SteadyClock = std::chrono::steady_clock;

// Told, on the loop thread, when a publish that had to wait for block subscribers resolves.
class PublishWaiter {
 public:
  virtual ~PublishWaiter() = default;
  virtual void onPublishDone(std::uint64_t token, const PublishReport& report) = 0;
};

struct PublishOptions {
  PublishWaiter* waiter = nullptr;  // null: never wait (full block channel counts channel_full)
  std::uint64_t token = 0;          // handed back to the waiter
};

enum class DeliveryPolicy { Drop, Block };

// What the EventManager needs to know about a module incarnation that completed its handshake.
struct ModuleAttachment {
  std::string moduleId;
  std::string name;
  std::string version;
  std::uint64_t incarnation = 1;
  int pid = 0;
  std::uint32_t capacity = 100;
  DeliveryPolicy policy = DeliveryPolicy::Drop;
  // Types the module may subscribe to; all set = no restriction.
  std::bitset<ipc::kEventTypeSlots> subscribeAllowed = std::bitset<ipc::kEventTypeSlots>().set();
  // An operator tap (plexusctl tail), not a module: never loaded or announced, no replay, left
  // out of statistics and subscriber lists.
  bool tap = false;
};

// Who accepted an event (publish() can report it, for maintenance completion).
struct Acceptance {
  std::string moduleId;
  std::uint64_t incarnation = 0;
  std::uint64_t seq = 0;
};

struct SubscribeOutcome {
  bool loaded = false;                    // this Subscribe made the module ready (its first)
  std::vector<v1::EventType> subscribed;  // the full set now
};

class EventManager {
 public:
  struct Options {
    std::chrono::milliseconds blockTimeout{1000};
    std::size_t maxBatchEvents = 1024;
    std::size_t maxBatchBytes = 1u << 20;
    std::function<SteadyClock::time_point()> steadyNow = [] { return SteadyClock::now(); };
    std::function<std::int64_t()> wallNowMs;  // default: system clock
    // Builds the serialized ModuleLoaded event announcing `module`.
    std::function<ipc::SharedBytes(const ModuleAttachment&)> makeModuleLoaded;
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
  // subscriber of ModuleLoaded, itself included.
  Result<SubscribeOutcome> subscribe(const std::string& moduleId,
                                     std::span<const v1::EventType> types);
  Result<std::vector<v1::EventType>> unsubscribe(const std::string& moduleId,
                                                 std::span<const v1::EventType> types);
  // Credit return: the module handled every event-lane event with seq <= throughSeq.
  Status ack(const std::string& moduleId, std::uint64_t throughSeq);
  // The module was asked to stop: its channel takes no new events (they count as failed),
  // waiting block publishes stop waiting for it; it may still ack what it holds.
  void beginStopping(const std::string& moduleId);
  // The incarnation is gone (exited, hung, unreachable): subscriptions removed, channel closed,
  // what it still held counted as lost, removed from the loaded set.
  void detach(const std::string& moduleId);

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

  // ---- statistics and queries ----
  void countDecodeError(const std::string& moduleId);
  void countRejected(const std::string& moduleId);
  std::optional<v1::DeliveryStats> stats(const std::string& moduleId) const;
  std::vector<v1::DeliveryStats> allStats() const;  // every module id ever seen, sorted
  bool resetStats(const std::string& moduleId);     // false when unknown
  void resetAllStats();
  std::vector<std::string> subscribers(v1::EventType type) const;
  std::vector<v1::EventType> subscriptions(const std::string& moduleId) const;
  std::vector<std::string> loadedModules() const;  // load order
  std::uint64_t eventsPublished() const { return m_eventsPublished; }
  std::uint64_t eventsSent() const { return m_eventsSent; }
  std::uint64_t batchesSent() const { return m_batchesSent; }
  // Time of the last ack that made progress while events were in flight (stall detection).
  std::optional<SteadyClock::time_point> oldestUnackedSince(const std::string& moduleId) const;

 private:
  struct Slot;
  struct Pending;
  struct BlockedRef {
    Slot* slot;
    std::uint64_t incarnation;
    std::uint64_t seq;
  };

  Slot& slotFor(const std::string& moduleId);
  Slot* attachedSlot(const std::string& moduleId);
  const Slot* findSlot(const std::string& moduleId) const;

  // `nowMs`: the wall clock, read once per publish by the caller.
  void acceptInto(Slot& slot, std::uint64_t seq, const ipc::SharedBytes& body, std::int64_t nowMs);
  void countDropped(Slot& slot);
  void admitBlocked(Slot& slot);
  void failBlocked(Slot& slot);
  void resolvePending(std::uint32_t pendingId);
  std::uint32_t allocatePending(const PublishOptions& options);
  void publishLifecycle(v1::EventType type, const ipc::SharedBytes& body);
  void markDirty(Slot& slot);
  bool flushSlot(Slot& slot);
  void resetSlot(Slot& slot);
  DeliveryGauges gaugesOf(const Slot& slot) const;
  std::int64_t wallNowMs() const;

  EventSink& m_sink;
  Options m_options;
  std::unordered_map<std::string, std::unique_ptr<Slot>> m_slots;
  RoutingTable<Slot> m_routing;
  std::vector<Slot*> m_loadOrder;  // loaded incarnations, in load order
  std::unordered_map<v1::EventType, ipc::SharedBytes> m_sticky;
  std::vector<Slot*> m_dirty;
  bool m_backlogged = false;
  std::vector<std::string> m_unreachable;
  std::vector<std::unique_ptr<Pending>> m_pending;  // slab indexed by pending id
  std::vector<std::uint32_t> m_freePending;
  std::deque<std::pair<std::uint32_t, std::uint64_t>> m_deadlines;  // (id, generation)
  std::vector<ipc::OutgoingEvent> m_scratch;
  std::uint64_t m_eventsPublished = 0;
  std::uint64_t m_eventsSent = 0;
  std::uint64_t m_batchesSent = 0;
  RateLimitedLog m_timeoutLog;
};

}  // namespace plexus::host
