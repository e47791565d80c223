#pragma once

// The answer a publisher gets, built once for every way of publishing (a module's Publish, the
// in-process Publisher, an operator's publish). A publish succeeds only when every block-policy
// subscriber took the event into its channel; otherwise the answer is an Error (TIMEOUT when
// one of them timed out, else UNAVAILABLE) that carries the full report. A publish that
// published nothing (PublishReport::published false: the journal made no room in time) is a
// TIMEOUT that carries no report: an Error with a report means the node took the event.

#include <plexus/v1/wire.pb.h>

#include <chrono>
#include <optional>

#include "plexus/host/publish_report.h"
#include "plexus/ipc/result.h"

namespace plexus::host {

v1::MissReason toProto(MissReason reason);
v1::PublishResponse toProto(const PublishReport& report);

// The error a publisher is answered with for this report, if any.
std::optional<Error> publishError(const PublishReport& report,
                                  std::chrono::milliseconds blockTimeout);

}  // namespace plexus::host
