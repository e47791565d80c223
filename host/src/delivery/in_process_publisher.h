#pragma once

// InProcessPublisher: the node's Publisher (plexus/host/publisher.h). The caller's thread checks
// and stamps the event and serializes it once. Then, when the loop sleeps, the caller's thread
// borrows it (LoopLender::runIfAsleep) and routes the event through the EventManager and sends
// it itself: no thread hop, no loop wake-up (docs/design.md "The loop lends itself"). When the
// loop is busy, the event goes into a bounded WakeQueue that the loop drains (drain()): a burst
// costs one loop wake-up. Order per publishing thread is kept: a borrower drains the queue
// before it routes its own event, and queues it when the queue cannot be drained.
// Thread rule: publish()/publishAsync() from any thread but the loop's (checked once the loop
// has used the publisher: publish() there would wait for itself); prepareToSleep(), awake(),
// canTakeMore(), drain(), onPublishDone() and close() on the loop thread (checked), or inside
// lent loop work; fd() from any thread (the loop registers it while the node is built). `done`
// runs on whichever thread does the loop's work when the event resolves: the loop thread, or a
// publishing thread inside lent work (its own event, and the queued events it drains first).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "delivery/event_manager.h"
#include "plexus/host/publisher.h"
#include "plexus/ipc/thread_checker.h"
#include "plexus/ipc/wake_queue.h"
#include "runtime/loop_lender.h"

namespace plexus::host {

// Publishes less than `gap` apart are a burst. Past its first `routed` events, a burst goes
// through the queue even when the loop sleeps: the loop then routes and sends in batches on
// its own core while the publisher goes on, where a borrowing publisher would do it all
// itself, one event per batch (docs/performance.md "The loop lends itself"). The first few
// keep the short path, so a paced publisher that catches up after a stall of its own keeps
// its latency.
struct PublishBurstRule {
  std::chrono::nanoseconds gap{20'000};
  std::uint32_t routed = 16;
};

class InProcessPublisher final : public Publisher, public PublishWaiter {
 public:
  // Publishes taken from the queue and still waiting for block subscribers, at most.
  static constexpr std::size_t kMaxUnresolved = 1024;
  // Publishes queued for the loop, at most (publishAsync waits for room beyond).
  static constexpr std::size_t kQueueCapacity = 8192;
  using BurstRule = PublishBurstRule;

  // `blockTimeout`: the EventManager's, for the TIMEOUT answer of publish(). `loop`: lends
  // itself while it sleeps (nullptr: every publish goes through the queue).
  InProcessPublisher(EventManager& events, std::chrono::milliseconds blockTimeout,
                     LoopLender* loop = nullptr, BurstRule burst = {});

  // ---- any thread but the loop's ----
  Status publishAsync(const v1::Event& event, Done done) override;
  Result<PublishReport> publish(const v1::Event& event) override;

  // ---- the loop ----
  int fd() const { return m_queue.fd(); }
  // With kMaxUnresolved publishes already waiting for block subscribers, taking more would only
  // lengthen their queues: the loop leaves them in the bounded queue (the publisher then waits
  // there) and does not even ask to be woken for them, so a full block subscriber does not
  // cost a loop wake-up per published event.
  bool prepareToSleep();
  void awake();
  bool canTakeMore() const;
  // Routes what is queued, unless kMaxUnresolved publishes wait (resumed from the loop's
  // after-hook once publishes resolve).
  void drain();
  void onPublishDone(std::uint64_t token, const PublishReport& report) override;
  // At shutdown: later publishers are refused; queued ones resolve as failed.
  void close();

 private:
  struct Submission {
    v1::EventType type;
    ipc::SharedBytes body;
    Done done;
  };

  // Inside lent loop work: routes what is queued, then `submission` (false: queued instead).
  bool publishWhileLoopSleeps(Submission& submission);
  void route(Submission& submission);
  // Binds the loop's checker (and notes that it is bound) on the loop thread.
  void checkLoopThread() const;
  // Aborts (checked builds) when called on the loop thread, once known.
  void checkOffLoopThread() const;

  EventManager& m_events;
  const std::chrono::milliseconds m_blockTimeout;
  LoopLender* const m_loop;
  const BurstRule m_burstRule;
  bool m_closed = false;                         // the loop's
  std::atomic<std::int64_t> m_lastPublishNs{0};  // published_mono_ns of the latest publish
  std::atomic<std::uint32_t> m_burst{0};         // publishes in the current burst so far
  ipc::WakeQueue<Submission> m_queue;
  std::vector<Submission> m_batch;
  std::unordered_map<std::uint64_t, Done> m_waiting;
  std::uint64_t m_nextToken = 1;
  ThreadChecker m_loopThread;
  mutable std::atomic<bool> m_loopKnown{false};  // m_loopThread is bound
};

}  // namespace plexus::host
