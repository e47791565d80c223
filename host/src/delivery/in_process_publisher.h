#pragma once

// InProcessPublisher: the node's Publisher (plexus/host/publisher.h). The caller's thread checks
// and stamps the event and serializes it once; the loop thread routes it (drain()) through the
// EventManager. A bounded WakeQueue between them: a burst costs one loop wake-up.
// Thread rule: publish()/publishAsync() from any thread but the loop's (checked once the loop
// has used the publisher: publish() there would wait for itself); prepareToSleep(), awake(),
// canTakeMore(), drain(), onPublishDone() and close() on the loop thread (checked); fd() from
// any thread (the loop registers it while the node is built).

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

namespace plexus::host {

class InProcessPublisher final : public Publisher, public PublishWaiter {
 public:
  // Publishes taken from the queue and still waiting for block subscribers, at most.
  static constexpr std::size_t kMaxUnresolved = 1024;
  // Publishes queued for the loop, at most (publishAsync waits for room beyond).
  static constexpr std::size_t kQueueCapacity = 8192;

  // `blockTimeout`: the EventManager's, for the TIMEOUT answer of publish().
  InProcessPublisher(EventManager& events, std::chrono::milliseconds blockTimeout);

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

  // Binds the loop's checker (and notes that it is bound) on the loop thread.
  void checkLoopThread() const;
  // Aborts (checked builds) when called on the loop thread, once known.
  void checkOffLoopThread() const;

  EventManager& m_events;
  const std::chrono::milliseconds m_blockTimeout;
  ipc::WakeQueue<Submission> m_queue;
  std::vector<Submission> m_batch;
  std::unordered_map<std::uint64_t, Done> m_waiting;
  std::uint64_t m_nextToken = 1;
  ThreadChecker m_loopThread;
  mutable std::atomic<bool> m_loopKnown{false};  // m_loopThread is bound
};

}  // namespace plexus::host
