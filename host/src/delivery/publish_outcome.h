#pragma once

// The answer a publisher gets, built once for every way of publishing (a module's Publish, the
// in-process Publisher, an operator's publish).

#include <chrono>
#include <cstdint>
#include <optional>

#include "plexus/host/publish_report.h"
#include "plexus/ipc/result.h"

namespace plexus::host {

// TIMEOUT when `timedOut` block-policy subscribers did not make room within `blockTimeout`.
Error blockTimeoutError(std::uint32_t timedOut, std::chrono::milliseconds blockTimeout);

// The error a publisher is answered with for this report, if any.
std::optional<Error> publishError(const PublishReport& report,
                                  std::chrono::milliseconds blockTimeout);

}  // namespace plexus::host
