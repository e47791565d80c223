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
    std::uint32_t number, const google::protobuf::RepeatedPtrField<v1::MissedSubscriber>& missed) {
  return "event " + std::to_string(number) +
         " was not published: the journal made no room for it within the block timeout "
         "(durable subscriber(s): " +
         describeMissed(missed) + "); nothing was journaled or routed, publish it again";
}

}  // namespace plexus::ipc
