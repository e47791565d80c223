#include "delivery/publish_outcome.h"

#include <memory>
#include <string>

#include "plexus/ipc/publish_answer.h"

namespace plexus::host {

v1::MissReason toProto(MissReason reason) {
  switch (reason) {
    case MissReason::Stopping:
      return v1::MISS_REASON_STOPPING;
    case MissReason::Gone:
      return v1::MISS_REASON_GONE;
    case MissReason::Restarting:
      return v1::MISS_REASON_RESTARTING;
    case MissReason::TimedOut:
      return v1::MISS_REASON_TIMED_OUT;
    case MissReason::Full:
      return v1::MISS_REASON_FULL;
  }
  return v1::MISS_REASON_UNSPECIFIED;
}

v1::PublishResponse toProto(const PublishReport& report) {
  v1::PublishResponse response;
  response.set_subscribers(report.subscribers);
  response.set_accepted(report.accepted);
  response.set_dropped(report.dropped);
  response.set_failed(report.failed);
  response.set_timed_out(report.timedOut);
  for (const MissedSubscriber& missed : report.missed) {
    auto* entry = response.add_missed();
    entry->set_module_id(missed.moduleId);
    entry->set_reason(toProto(missed.reason));
  }
  return response;
}

std::optional<Error> publishError(const PublishReport& report,
                                  std::chrono::milliseconds blockTimeout) {
  if (report.delivered()) return std::nullopt;
  auto response = std::make_shared<v1::PublishResponse>(toProto(report));
  if (!report.published) {  // no report attached: one would say the node took the event
    return makeError(v1::ERROR_CODE_TIMEOUT,
                     ipc::describeUnpublished("the event", response->missed(),
                                              static_cast<std::uint64_t>(blockTimeout.count())));
  }
  Error error = makeError(
      report.timedOut > 0 ? v1::ERROR_CODE_TIMEOUT : v1::ERROR_CODE_UNAVAILABLE,
      std::to_string(report.missed.size()) +
          " block-policy subscriber(s) did not take the event: " +
          ipc::describeMissed(response->missed()) +
          (report.timedOut > 0 ? " (block timeout " + std::to_string(blockTimeout.count()) + " ms)"
                               : ""));
  error.publish = std::move(response);
  return error;
}

}  // namespace plexus::host
