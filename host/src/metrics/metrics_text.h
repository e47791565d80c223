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

std::string formatMetrics(const MetricsSnapshot& snapshot);

}  // namespace plexus::host
