#pragma once

// InProcessPublisher: the node's Publisher (plexus/host/publisher.h). The caller's thread checks
// and stamps the event and serializes it once; the loop thread routes it (drain()) through the
// EventManager. A bounded WakeQueue between them: a burst costs one loop wake-up.
// Thread rule: publish()/publishAsync() from any thread but the loop's; fd(), prepareToSleep(),
// awake(), drain(), onPublishDone() and close() on the loop thread.

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <unordered_map>
#include <vector>

#include "delivery/event_factory.h"
#include "delivery/event_manager.h"
#include "delivery/publish_outcome.h"
#include "plexus/host/publisher.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"
#include "plexus/ipc/wake_queue.h"

namespace plexus::host {

class InProcessPublisher final : public Publisher, public PublishWaiter {
 public:
  InProcessPublisher(EventManager& events, std::chrono::milliseconds blockTimeout)
      : m_events(events), m_blockTimeout(blockTimeout), m_queue(8192) {}

  int fd() const { return m_queue.fd(); }
  // With kMaxUnresolved publishes already waiting for block subscribers, taking more would only
  // lengthen their queues: the loop leaves them in the bounded queue (the publisher then waits
  // there) and does not even ask to be woken for them, so a full block subscriber does not
  // cost a loop wake-up per published event.
  bool prepareToSleep() { return canTakeMore() && m_queue.prepareToSleep(); }
  void awake() { m_queue.awake(); }
  bool canTakeMore() const { return m_waiting.size() < kMaxUnresolved; }

  Status publishAsync(const v1::Event& event, Done done) override {
    if (ipc::isLifecycleLane(event.type())) {
      return makeError(v1::ERROR_CODE_PERMISSION_DENIED,
                       ipc::displayName(event.type()) + " is published by the supervisor only");
    }
    if (auto status = ipc::checkPayloadMatchesType(event); !status) return status;
    v1::Event stamped = event;
    stampEvent(stamped, ipc::kHostSource);
    if (!m_queue.push({stamped.type(), serializeEvent(stamped), std::move(done)})) {
      return makeError(v1::ERROR_CODE_UNAVAILABLE, "the node is shutting down");
    }
    return {};
  }

  Result<PublishReport> publish(const v1::Event& event) override {
    auto promise = std::make_shared<std::promise<PublishReport>>();
    auto future = promise->get_future();
    auto status = publishAsync(event, [promise](const PublishReport& r) { promise->set_value(r); });
    if (!status) return status.error();
    PublishReport report = future.get();
    if (auto error = publishError(report, m_blockTimeout)) return *error;
    return report;
  }

  // Loop thread.
  void drain() {
    if (!canTakeMore()) return;  // resumed from the loop's after-hook once publishes resolve
    m_batch.clear();
    m_queue.drain(m_batch);
    for (Submission& submission : m_batch) {
      const std::uint64_t token = m_nextToken++;
      auto report = m_events.publish(submission.type, submission.body, {this, token});
      if (report) {
        if (submission.done) submission.done(*report);
      } else {
        m_waiting.emplace(token, std::move(submission.done));
      }
    }
    m_batch.clear();
  }

  void onPublishDone(std::uint64_t token, const PublishReport& report) override {
    auto it = m_waiting.find(token);
    if (it == m_waiting.end()) return;
    Done done = std::move(it->second);
    m_waiting.erase(it);
    if (done) done(report);
  }

  // Loop thread, at shutdown: later publishers are refused; queued ones resolve as failed.
  void close() {
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

 private:
  struct Submission {
    v1::EventType type;
    ipc::SharedBytes body;
    Done done;
  };
  static constexpr std::size_t kMaxUnresolved = 1024;
  EventManager& m_events;
  std::chrono::milliseconds m_blockTimeout;
  ipc::WakeQueue<Submission> m_queue;
  std::vector<Submission> m_batch;
  std::unordered_map<std::uint64_t, Done> m_waiting;
  std::uint64_t m_nextToken = 1;
};

}  // namespace plexus::host
