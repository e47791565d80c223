#include "plexus/ipc/publish_answer.h"

namespace plexus::ipc {

std::string missReasonText(v1::MissReason reason) {
  switch (reason) {
    case v1::MISS_REASON_STOPPING:
      return "stopping";
    case v1::MISS_REASON_GONE:
      return "gone";
    case v1::MISS_REASON_RESTARTING:
      return "restarting";
    case v1::MISS_REASON_TIMED_OUT:
      return "timed out";
    case v1::MISS_REASON_FULL:
      return "full";
    default:
      return "unknown reason " + std::to_string(static_cast<int>(reason));
  }
}

void fitToMinor(v1::PublishResponse& answer, std::uint32_t minor) {
  if (minor >= kMinorPublishAnswer) return;
  answer.clear_accepted();
  answer.clear_failed();
  answer.clear_timed_out();
  answer.clear_missed();
}

std::string describeMissed(const google::protobuf::RepeatedPtrField<v1::MissedSubscriber>& missed) {
  std::string text;
  for (const auto& entry : missed) {
    if (!text.empty()) text += ", ";
    text += entry.module_id() + " (" + missReasonText(entry.reason()) + ")";
  }
  return text;
}

std::string describeUnpublished(
    std::string_view subject,
    const google::protobuf::RepeatedPtrField<v1::MissedSubscriber>& missed,
    std::uint64_t blockTimeoutMs) {
  const std::string within =
      blockTimeoutMs == 0 ? "the block timeout" : std::to_string(blockTimeoutMs) + " ms";
  const std::string durable = missed.empty() ? "none left" : describeMissed(missed);
  return std::string(subject) + " was not published: the journal made no room for it within " +
         within + " (durable subscriber(s): " + durable +
         "); nothing was journaled or routed, publish it again";
}

}  // namespace plexus::ipc
