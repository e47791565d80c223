#pragma once

// The Prometheus text exposition format (version 0.0.4) of a MetricsSnapshot: HELP and TYPE lines
// per family, label values escaped. docs/operations.md lists the families.
// Thread rule: pure functions, any thread (the metrics thread calls them).

#include <string>
#include <string_view>

#include "metrics/metrics_snapshot.h"

namespace plexus::host {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// A label value as the format wants it between double quotes: \ " and newline escaped.
std::string escapeLabelValue(std::string_view value);

// Whether a lane's rows are written. The event lane's and the replay lane's always (stats.proto
// has the replay lane only for a module that has one or had events on it); the critical lane's
// from its first event on, and then for good: a row appears at most once and never vanishes
// while the module is known (docs/operations.md).
bool laneShown(const v1::LaneStats& lane);

// Whether the module's journal rows (replayed, redelivered, journal holes, trimmed) are written:
// for a module with a replay lane (durable, or it had a replay), or any of them non-zero.
bool journalShown(const v1::DeliveryStats& delivery);

std::string formatMetrics(const MetricsSnapshot& snapshot);

}  // namespace plexus::host
