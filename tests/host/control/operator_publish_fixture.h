#pragma once

// What the OperatorPublish tests share (operator_publish_test.cpp,
// operator_publish_journal_test.cpp): the node's after-hook as far as publishing needs it, the
// publish request, and running the loop until the answer.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

#include "delivery/event_manager.h"
#include "fakes/fake_replier.h"
#include "runtime/event_loop.h"

namespace plexus::host {

// Expires block waits and flushes after every iteration, and stops the loop at each answer.
inline void hookPublishing(EventLoop& loop, EventManager& events, fakes::FakeReplier& replier) {
  loop.addAfterHook(
      [&events] {
        events.expire();
        events.flush();
      },
      [&events] { return events.nextDeadline(); });
  replier.onSend = [&loop] { loop.stop(); };
}

// `count` events of `type` (NewBlock at height 9) from a client at protocol `minor`.
inline v1::ControlRequest operatorPublishRequest(std::uint32_t count, v1::EventType type,
                                                 std::uint32_t minor = 0) {
  v1::ControlRequest request;
  request.set_correlation_id(77);
  request.set_protocol_minor(minor);
  auto* event = request.mutable_publish()->mutable_event();
  event->set_type(type);
  if (type == v1::EVENT_TYPE_NEW_BLOCK) event->mutable_new_block()->set_height(9);
  if (type == v1::EVENT_TYPE_NODE_SHUTDOWN) event->mutable_node_shutdown();
  request.mutable_publish()->set_count(count);
  return request;
}

// Runs the loop until the one answer was sent (or 10 s passed).
inline const v1::ControlResponse& runUntilAnswered(EventLoop& loop,
                                                   const fakes::FakeReplier& replier) {
  if (replier.sent.empty()) {
    loop.runAfter(std::chrono::seconds(10), [&loop] { loop.stop(); });
    loop.run();
  }
  EXPECT_EQ(replier.sent.size(), 1u);
  return replier.last();
}

}  // namespace plexus::host
