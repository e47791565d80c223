#pragma once

// OperatorPublish: `plexusctl publish TYPE --count N`. The event is checked like any publish
// (host-only types refused), then published N times as source "operator", in chunks through the
// loop so flushes and acks interleave with a large count. One event at a time may wait for
// block-policy subscribers; the first event one of them does not take (stopping, gone,
// restarting, timed out) ends the publish, and the answer names who did not take it and why.
// The answer carries the totals per outcome (an older client gets Error{TIMEOUT|UNAVAILABLE}
// for an event not taken, as before).
// A client that follows the publish (progress_interval_ms) gets the totals so far at that
// interval until the answer; when it is gone (the progress cannot be sent), the publish stops.
// A client that does not follow may publish at most kMaxUnfollowed events at once: a longer
// publish could outlive its wait and carry on after it reported the node unreachable.
// Thread rule: loop thread only.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "control/control_handler.h"
#include "delivery/event_manager.h"
#include "plexus/ipc/thread_checker.h"
#include "runtime/event_loop.h"

namespace plexus::host {

class OperatorPublish final : public ControlHandler, public PublishWaiter {
 public:
  static constexpr std::uint32_t kChunk = 512;            // events per loop iteration
  static constexpr std::uint32_t kMaxUnfollowed = 10000;  // without progress_interval_ms
  static constexpr std::uint32_t kMinProgressIntervalMs = 10;

  OperatorPublish(ControlReplier& replier, EventLoop& loop, EventManager& events);
  ~OperatorPublish() override;

  std::vector<v1::ControlRequest::BodyCase> bodies() const override;
  void handle(const std::string& clientId, const v1::ControlRequest& request) override;
  void onPublishDone(std::uint64_t token, const PublishReport& report) override;

 private:
  struct Publish;
  void pump(std::uint64_t publishId);
  static void resolved(Publish& publish, const PublishReport& report);
  void answer(Publish& publish);
  void armProgress(std::uint64_t publishId);
  void sendProgress(std::uint64_t publishId);

  ControlReplier& m_replier;
  EventLoop& m_loop;
  EventManager& m_events;
  std::unordered_map<std::uint64_t, std::unique_ptr<Publish>> m_publishes;
  std::uint64_t m_next = 1;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
