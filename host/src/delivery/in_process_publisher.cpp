#include "delivery/in_process_publisher.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <utility>

#include "delivery/event_factory.h"
#include "delivery/publish_outcome.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"

namespace plexus::host {

InProcessPublisher::InProcessPublisher(EventManager& events, std::chrono::milliseconds blockTimeout,
                                       LoopLender* loop, BurstRule burst)
    : m_events(events),
      m_blockTimeout(blockTimeout),
      m_loop(loop),
      m_burstRule(burst),
      m_queue(kQueueCapacity) {}

void InProcessPublisher::checkLoopThread() const {
#if defined(PLEXUS_THREAD_CHECKS) && PLEXUS_THREAD_CHECKS
  PLEXUS_ASSERT_THREAD(m_loopThread);
  m_loopKnown.store(true, std::memory_order_release);
#endif
}

void InProcessPublisher::checkOffLoopThread() const {
#if defined(PLEXUS_THREAD_CHECKS) && PLEXUS_THREAD_CHECKS
  // Once bound, onBoundThread() only compares: it cannot bind the checker to this thread.
  if (m_loopKnown.load(std::memory_order_acquire) && m_loopThread.onBoundThread()) {
    std::fprintf(stderr,
                 "%s:%d: thread rule broken: the in-process Publisher used on the loop thread\n",
                 __FILE__, __LINE__);
    std::abort();
  }
#endif
}

// ---- any thread but the loop's ----

Status InProcessPublisher::publishAsync(const v1::Event& event, Done done) {
  checkOffLoopThread();
  if (ipc::isLifecycleLane(event.type())) {
    return makeError(v1::ERROR_CODE_PERMISSION_DENIED,
                     ipc::displayName(event.type()) + " is published by the supervisor only");
  }
  if (auto status = ipc::checkPayloadMatchesType(event); !status) return status;
  v1::Event stamped = event;
  stampEvent(stamped, ipc::kHostSource);
  Submission submission{stamped.type(), serializeEvent(stamped), std::move(done)};
  const std::int64_t at = stamped.published_mono_ns();
  const std::int64_t previous = m_lastPublishNs.exchange(at, std::memory_order_relaxed);
  std::uint32_t burst = 0;
  if (at - previous < m_burstRule.gap.count()) {
    // No wrap-around in a long burst.
    burst = std::min(m_burst.load(std::memory_order_relaxed) + 1, m_burstRule.routed);
  }
  m_burst.store(burst, std::memory_order_relaxed);
  if (m_loop != nullptr && burst < m_burstRule.routed && publishWhileLoopSleeps(submission)) {
    return {};
  }
  if (!m_queue.push(std::move(submission))) {
    return makeError(v1::ERROR_CODE_UNAVAILABLE, "the node is shutting down");
  }
  return {};
}

Result<PublishReport> InProcessPublisher::publish(const v1::Event& event) {
  checkOffLoopThread();
  auto promise = std::make_shared<std::promise<PublishReport>>();
  auto future = promise->get_future();
  auto status = publishAsync(event, [promise](const PublishReport& r) { promise->set_value(r); });
  if (!status) return status.error();
  PublishReport report = future.get();
  if (auto error = publishError(report, m_blockTimeout)) return *error;
  return report;
}

bool InProcessPublisher::publishWhileLoopSleeps(Submission& submission) {
  bool routed = false;
  m_loop->runIfAsleep([&] {
    drain();  // what this thread (or another) queued before goes first
    if (m_closed || !canTakeMore()) return;
    route(submission);
    routed = true;
  });
  return routed;
}

// ---- the loop ----

bool InProcessPublisher::prepareToSleep() {
  checkLoopThread();
  return canTakeMore() && m_queue.prepareToSleep();
}

void InProcessPublisher::awake() {
  checkLoopThread();
  m_queue.awake();
}

bool InProcessPublisher::canTakeMore() const {
  checkLoopThread();
  return m_waiting.size() < kMaxUnresolved;
}

void InProcessPublisher::drain() {
  checkLoopThread();
  if (!canTakeMore()) return;
  m_batch.clear();
  m_queue.drain(m_batch);
  for (Submission& submission : m_batch)
    route(submission);
  m_batch.clear();
}

void InProcessPublisher::route(Submission& submission) {
  const std::uint64_t token = m_nextToken++;
  auto report =
      m_events.publish(submission.type, submission.body,
                       {.waiter = this, .token = token, .source = PublishSource::InProcess});
  if (report) {
    if (submission.done) submission.done(*report);
  } else {
    m_waiting.emplace(token, std::move(submission.done));
  }
}

void InProcessPublisher::onPublishDone(std::uint64_t token, const PublishReport& report) {
  checkLoopThread();
  auto it = m_waiting.find(token);
  if (it == m_waiting.end()) return;
  Done done = std::move(it->second);
  m_waiting.erase(it);
  if (done) done(report);
}

void InProcessPublisher::close() {
  checkLoopThread();
  m_closed = true;
  m_queue.close();
  m_batch.clear();
  m_queue.drain(m_batch);
  for (Submission& submission : m_batch) {
    PublishReport failed;
    failed.failed = 1;
    if (submission.done) submission.done(failed);
  }
  m_batch.clear();
}

}  // namespace plexus::host
