// OperatorPublish on a real loop, EventManager and Journal whose store holds its appends (the
// journal thread's queue of 2 fills): an operator event of a type a durable module subscribes to
// waits for room in the journal, and when none comes within the block timeout the node
// published nothing of it. The answer must not count it as published (since 1.6:
// `unpublished`, the durable module named in `missed`), and a client before 1.6, which knows no
// `unpublished`, gets Error{TIMEOUT} instead of totals it would misread.

#include <gtest/gtest.h>

#include <memory>

#include "control/operator_publish.h"
#include "delivery/durable_fixture.h"
#include "delivery/event_factory.h"
#include "fakes/held_journal.h"
#include "fakes/recording_sink.h"
#include "operator_publish_fixture.h"
#include "plexus/ipc/protocol.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

class OperatorPublishJournalTest : public ::testing::Test {
 protected:
  OperatorPublishJournalTest() {
    hookPublishing(loop, events, replier);
    events.attach(durableAttachment("d", 1, 100));  // a durable module, following live
    EXPECT_TRUE(events.subscribe("d", std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
  }
  ~OperatorPublishJournalTest() override { m_store->hold(false); }

  EventManager::Options options() {
    EventManager::Options o;
    o.blockTimeout = 50ms;
    o.nodeName = "node-a";
    o.journal = m_journal.get();
    return o;
  }

  // The host's own NewBlocks (they never wait): the first is held in the store's append, the
  // next `queued` wait in the writer's queue of 2.
  void holdTheJournalWith(int queued) {
    m_store->hold(true);
    auto publishHost = [&](std::uint64_t height) {
      v1::Event block = hostEvent(v1::EVENT_TYPE_NEW_BLOCK);
      block.mutable_new_block()->set_height(height);
      (void)events.publish(v1::EVENT_TYPE_NEW_BLOCK, serializeEvent(block), {});
    };
    publishHost(1);
    ASSERT_TRUE(m_store->waitUntilHolding(10s));
    for (int n = 0; n < queued; ++n)
      publishHost(2 + static_cast<std::uint64_t>(n));
  }

  // Publishes `count` NewBlocks as the operator with a client at `minor`, from the loop as the
  // control socket does, and runs the loop until the answer was sent (or 10 s passed).
  const v1::ControlResponse& operatorPublish(std::uint32_t count, std::uint32_t minor) {
    const auto request = operatorPublishRequest(count, v1::EVENT_TYPE_NEW_BLOCK, minor);
    loop.post([this, request] { publish.handle("op", request); });
    return runUntilAnswered(loop, replier);
  }

  FailingJournal* m_store = nullptr;
  std::unique_ptr<Journal> m_journal = heldJournal(m_store, 2);
  fakes::RecordingSink sink;
  EventManager events{sink, options()};
  EventLoop loop;
  fakes::FakeReplier replier;
  OperatorPublish publish{replier, loop, events};
};

TEST_F(OperatorPublishJournalTest, AnEventTheJournalHadNoRoomForIsNotCountedAsPublished) {
  holdTheJournalWith(1);  // room for one more event in the writer's queue
  const std::uint64_t before = events.eventsPublished();
  const auto& response = operatorPublish(3, ipc::kProtocolMinor);
  ASSERT_TRUE(response.has_publish()) << response.DebugString();
  const auto& totals = response.publish();
  EXPECT_EQ(totals.requested(), 3u);
  EXPECT_EQ(totals.published(), 1u) << "the first took the queue's last place";
  EXPECT_EQ(totals.unpublished(), 1u) << "the second waited past the block timeout";
  EXPECT_EQ(totals.routed(), 1u);
  EXPECT_EQ(totals.accepted(), 1u);
  EXPECT_EQ(totals.timed_out(), 0u) << "no subscriber was routed the unpublished event";
  ASSERT_EQ(totals.missed_size(), 1);
  EXPECT_EQ(totals.missed(0).module_id(), "d");
  EXPECT_EQ(totals.missed(0).reason(), v1::MISS_REASON_TIMED_OUT);
  EXPECT_EQ(events.eventsPublished() - before, 1u) << "the third was not attempted";
  // The durable module got the host's two and the operator's first, nothing else.
  const auto delivered = sink.events("d");
  ASSERT_EQ(delivered.size(), 3u);
  EXPECT_EQ(delivered[2].source(), ipc::kOperatorSource);
}

TEST_F(OperatorPublishJournalTest, AClientBeforeTheUnpublishedCountGetsATimeoutError) {
  holdTheJournalWith(2);  // the writer's queue is full
  const std::uint64_t before = events.eventsPublished();
  const auto& response = operatorPublish(3, ipc::kMinorUnpublished - 1);
  ASSERT_TRUE(response.has_error()) << response.DebugString();
  EXPECT_EQ(response.error().code(), v1::ERROR_CODE_TIMEOUT);
  EXPECT_EQ(response.error().correlation_id(), 77u);
  EXPECT_EQ(response.error().message(),
            "event 1 was not published: the journal made no room for it within the block timeout "
            "(durable subscriber(s): d (timed out)); nothing was journaled or routed, publish it "
            "again");
  EXPECT_EQ(events.eventsPublished(), before);
}

}  // namespace
}  // namespace plexus::host
