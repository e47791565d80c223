#pragma once

// MetricsSnapshot: what one scrape of /metrics reports, as plain values copied on the event loop
// (MetricsCollector) and formatted on the metrics thread (formatMetrics). Nothing in it points
// into loop-owned state.
// Thread rule: a value type; built on the loop, then handed over whole to the metrics thread.

#include <plexus/v1/control.pb.h>
#include <plexus/v1/stats.pb.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "metrics/control_rejections.h"

namespace plexus::host {

// A histogram with fixed upper bounds: counts[i] events fell in (bounds[i-1], bounds[i]], the last
// count past the last bound (+Inf). Not cumulative; the formatter accumulates.
struct Histogram {
  std::vector<double> bounds;
  std::vector<std::uint64_t> counts;  // bounds.size() + 1
  double sum = 0;
};

struct ModuleMetrics {
  std::string id;
  // Delivery statistics since node start (stats --reset does not touch them); absent when the
  // EventManager never saw the id.
  bool hasDelivery = false;
  v1::DeliveryStats delivery;
  // From the supervisor; absent for an id it does not know (a forgotten module's statistics).
  bool supervised = false;
  v1::ModuleState state = v1::MODULE_STATE_UNSPECIFIED;
  std::uint32_t restarts = 0;
  v1::Health health = v1::HEALTH_UNSPECIFIED;
  Histogram holdSeconds;  // acceptance to ack; empty bounds: not recorded
};

struct MetricsSnapshot {
  std::string version;
  std::string protocolVersion;
  double startTimeSeconds = 0;  // Unix time the node started
  std::uint64_t eventsPublished = 0;
  // Of those, by source: host, module, operator, in_process (PublishSource order).
  std::array<std::uint64_t, 4> publishedBySource{};
  std::uint64_t eventsSent = 0;
  std::uint64_t batchesSent = 0;
  // Relayed publishes answered `duplicate` (ModuleServer::relayedDuplicates), since node start.
  std::uint64_t relayedDuplicates = 0;
  std::vector<ModuleMetrics> modules;  // sorted by id
  // The control socket's refusals by reason (ControlRejections' slots), since node start.
  ControlRejections::Counts controlRejected{};
  double snapshotSeconds = 0;  // the loop's time building the previous snapshot
};

}  // namespace plexus::host
