#pragma once

// Publisher: publishing into a running node from any thread of the node's process
// (plexus-bench's publisher, an embedding application). The event is stamped with source
// "host" and the publish times and serialized once on the calling thread. While the node's loop
// sleeps, the calling thread then routes and sends it itself, standing in for the loop; while
// the loop is busy, it is handed to the loop through a bounded queue. Either way, events from
// one thread reach each module in the order published. Lifecycle-lane types are refused (only
// the supervisor publishes them).
// Thread rule: publish()/publishAsync() from any thread but the loop's. Completions run on
// whichever thread does the loop's work when the event resolves: the loop thread, or a
// publishing thread standing in for the sleeping loop inside its own publishAsync() call (which
// then also routes, and may complete, events other threads queued before). They must be short
// and must not publish.

#include <plexus/v1/events.pb.h>

#include <chrono>
#include <functional>

#include "plexus/host/publish_report.h"
#include "plexus/ipc/result.h"

namespace plexus::host {

class Publisher {
 public:
  using Done = std::function<void(const PublishReport&)>;
  virtual ~Publisher() = default;

  // Pipelined: returns once the event is queued or routed (waits only while the queue is full).
  // `done` runs when the event is resolved for every subscriber, possibly before this returns.
  // Fails when the node is stopping.
  virtual Status publishAsync(const v1::Event& event, Done done) = 0;

  // Waits until every block subscriber accepted the event (up to the block timeout). When one
  // did not take it: Error{TIMEOUT} (timed out) or Error{UNAVAILABLE} (stopping, gone,
  // restarting), whose `publish` is the answer naming each with why. Error{TIMEOUT} without
  // `publish`: nothing was published (a type a durable module subscribes to, and the journal
  // made no room in time; the done callback of publishAsync sees PublishReport::published
  // false). Otherwise the report, counting each outcome (drop-policy drops and failures
  // included).
  virtual Result<PublishReport> publish(const v1::Event& event) = 0;
};

}  // namespace plexus::host
