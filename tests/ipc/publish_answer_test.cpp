#include "plexus/ipc/publish_answer.h"

#include <gtest/gtest.h>

#include "plexus/ipc/protocol.h"

namespace plexus::ipc {
namespace {

v1::PublishResponse fullAnswer() {
  v1::PublishResponse answer;
  answer.set_subscribers(4);
  answer.set_accepted(1);
  answer.set_dropped(1);
  answer.set_failed(1);
  answer.set_timed_out(1);
  auto* missed = answer.add_missed();
  missed->set_module_id("slow");
  missed->set_reason(v1::MISS_REASON_TIMED_OUT);
  return answer;
}

TEST(PublishAnswerTest, APeerBeforeThePublishAnswerMinorGetsOnlySubscribersAndDropped) {
  ASSERT_GT(kMinorPublishAnswer, 0u);
  auto answer = fullAnswer();
  fitToMinor(answer, kMinorPublishAnswer - 1);
  v1::PublishResponse expected;
  expected.set_subscribers(4);
  expected.set_dropped(1);
  EXPECT_EQ(answer.SerializeAsString(), expected.SerializeAsString()) << answer.DebugString();
}

TEST(PublishAnswerTest, APeerAtOrAfterThePublishAnswerMinorGetsTheWholeAnswer) {
  for (std::uint32_t minor = kMinorPublishAnswer; minor <= kProtocolMinor + 1; ++minor) {
    auto answer = fullAnswer();
    fitToMinor(answer, minor);
    EXPECT_EQ(answer.SerializeAsString(), fullAnswer().SerializeAsString()) << "minor " << minor;
  }
}

TEST(PublishAnswerTest, MissedSubscribersAreNamedWithWhy) {
  auto answer = fullAnswer();
  auto* gone = answer.add_missed();
  gone->set_module_id("archive");
  gone->set_reason(v1::MISS_REASON_STOPPING);
  EXPECT_EQ(describeMissed(answer.missed()), "slow (timed out), archive (stopping)");
  EXPECT_EQ(missReasonText(v1::MISS_REASON_RESTARTING), "restarting");
  EXPECT_EQ(missReasonText(static_cast<v1::MissReason>(99)), "unknown reason 99");
}

// One sentence for an event the node published nothing of, whoever asked: a module's publish
// (with the block timeout), plexusctl (which does not know it), and a node with no durable
// subscriber left by the time the wait expired.
TEST(PublishAnswerTest, AnUnpublishedEventIsDescribedWithItsDurableSubscribers) {
  const auto answer = fullAnswer();  // missed: slow (timed out)
  EXPECT_EQ(describeUnpublished("the event", answer.missed(), 250),
            "the event was not published: the journal made no room for it within 250 ms "
            "(durable subscriber(s): slow (timed out)); nothing was journaled or routed, publish "
            "it again");
  EXPECT_EQ(describeUnpublished("event 4", answer.missed()),
            "event 4 was not published: the journal made no room for it within the block timeout "
            "(durable subscriber(s): slow (timed out)); nothing was journaled or routed, publish "
            "it again");
  EXPECT_NE(describeUnpublished("event 4", v1::PublishResponse().missed())
                .find("(durable subscriber(s): none left)"),
            std::string::npos);
}

}  // namespace
}  // namespace plexus::ipc
