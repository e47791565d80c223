#include "delivery/publish_outcome.h"

#include <string>

namespace plexus::host {

Error blockTimeoutError(std::uint32_t timedOut, std::chrono::milliseconds blockTimeout) {
  return makeError(v1::ERROR_CODE_TIMEOUT,
                   std::to_string(timedOut) +
                       " block-policy subscriber(s) did not accept the event within " +
                       std::to_string(blockTimeout.count()) + " ms");
}

std::optional<Error> publishError(const PublishReport& report,
                                  std::chrono::milliseconds blockTimeout) {
  if (report.timedOut > 0) return blockTimeoutError(report.timedOut, blockTimeout);
  return std::nullopt;
}

}  // namespace plexus::host
