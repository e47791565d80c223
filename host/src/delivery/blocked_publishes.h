#pragma once

// BlockedPublishes: the publishes waiting for block-policy subscribers to make room. A publish
// that found a block subscriber's channel full, from a publisher that can wait, is opened here
// with its deadline and records every subscriber it waits for. It resolves - its waiter told,
// with the report - once each of them admitted the event (an ack made room), failed it (the
// module stops or is gone) or timed out at the deadline.
// Ids are reused once a publish resolves; a generation per id tells a stale deadline entry from
// the current one. Deadlines are kept in opening order, which is deadline order as long as the
// callers use one timeout and a steady clock (the EventManager does).
// Thread rule: loop thread only (owned by the EventManager). A waiter that is told may publish
// again, even re-opening the id it just freed: nothing here relies on state it could change.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "delivery/delivery_stats.h"
#include "delivery/publish_waiter.h"
#include "plexus/host/publish_report.h"
#include "plexus/ipc/thread_checker.h"

namespace plexus::host {

struct ModuleSlot;

class BlockedPublishes {
 public:
  using Id = std::uint32_t;

  // One subscriber a publish waits for: the module incarnation, and the event's lane and seq
  // there.
  struct Wait {
    ModuleSlot* slot = nullptr;
    std::uint64_t incarnation = 0;
    std::uint64_t seq = 0;
    AckedLane lane = AckedLane::Event;  // whose waiting room it is in
  };

  // A publish that will wait, until `deadline` at the latest.
  Id open(PublishWaiter& waiter, std::uint64_t token, SteadyClock::time_point deadline);
  // It waits for one more subscriber.
  void waitFor(Id id, const Wait& wait) {
    PLEXUS_ASSERT_THREAD(m_thread);
    Publish& publish = *m_publishes[id];
    ++publish.waitingOn;
    publish.waits.push_back(wait);
  }
  // Its report so far: the publisher fills in what it settled at once (subscribers, drops,
  // failures); failed() and expire() add to it.
  PublishReport& report(Id id) {
    PLEXUS_ASSERT_THREAD(m_thread);
    return m_publishes[id]->report;
  }

  // One subscriber it waited for took the event into its channel. (waitFor and admitted are on
  // the block-policy publish and ack paths: inline.)
  void admitted(Id id) {
    PLEXUS_ASSERT_THREAD(m_thread);
    Publish& publish = *m_publishes[id];
    ++publish.report.accepted;
    if (--publish.waitingOn == 0) resolve(id);
  }
  // One subscriber it waited for will never take it (stopping, gone): counted as failed, and
  // named with the reason.
  void failed(Id id, const std::string& moduleId, MissReason reason);
  // Resolves every publish whose deadline is not after `now`: each subscriber it still waits
  // for, by `timeOut(wait)` returning true (the caller took the event out of that module's
  // waiting room), counts as timed out and is named in the report. `timeOut` returns false for a
  // wait already settled.
  void expire(SteadyClock::time_point now, const std::function<bool(const Wait&)>& timeOut);
  // The earliest deadline of a publish still waiting; nullopt when none waits.
  std::optional<SteadyClock::time_point> nextDeadline() const;

  // Publishes not yet resolved.
  std::size_t waiting() const { return m_publishes.size() - m_free.size(); }

 private:
  struct Publish {
    PublishWaiter* waiter = nullptr;
    std::uint64_t token = 0;
    std::uint64_t generation = 0;
    SteadyClock::time_point deadline{};
    std::uint32_t waitingOn = 0;
    bool active = false;
    PublishReport report;
    std::vector<Wait> waits;
  };

  void resolve(Id id);

  std::vector<std::unique_ptr<Publish>> m_publishes;  // slab indexed by id
  std::vector<Id> m_free;
  std::deque<std::pair<Id, std::uint64_t>> m_deadlines;  // (id, generation), opening order
  ThreadChecker m_thread;
};

}  // namespace plexus::host
