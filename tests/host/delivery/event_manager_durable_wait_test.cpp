// The journal's back-pressure (docs/design.md "Durable modules"): when the journal thread's
// queue is full, a publish of a type a durable module subscribes to, from a publisher that can
// wait, waits for room - in order, behind earlier waits - instead of becoming an Overflow hole
// the durable module would miss; at the block timeout it fails, naming the durable modules. A
// publisher that cannot wait, or a type no durable module subscribes to, still gets a hole.

#include "durable_fixture.h"
#include "fakes/failing_journal.h"

namespace plexus::host {
namespace {

class DurableWaitTest : public DurableTest {
 protected:
  // A journal whose store holds its first append (event 1) until released, with a queue of 2:
  // after publishing 1..3 the queue is full.
  FailingJournal& openHeldWithFullQueue() {
    auto failing = std::make_unique<FailingJournal>();
    FailingJournal& store = *failing;
    open(std::move(failing), 2);
    attach("d", 1, 100);
    store.hold(true);
    publishBlock(1);
    EXPECT_TRUE(store.waitUntilHolding(std::chrono::seconds(10)));
    publishBlocks(2, 3);
    return store;
  }
  // Serves the journal's notices as the node's loop does, until `done`.
  bool serveUntil(const std::function<bool()>& done) {
    return until([&] {
      if (m_journal->notices().mayHaveItems()) {
        m_journal->onNotices();
        m_em->onJournalRoom();
      }
      return done();
    });
  }
};

TEST_F(DurableWaitTest, APublishForADurableModuleWaitsForRoomInTheJournalThenGoesOnInOrder) {
  FailingJournal& store = openHeldWithFullQueue();
  RecordingWaiter waiter;
  EXPECT_FALSE(publishBlock(4, &waiter).has_value()) << "the queue is full: it waits";
  EXPECT_FALSE(publishBlock(5, &waiter).has_value()) << "behind the one waiting";
  EXPECT_TRUE(waiter.done.empty());
  store.hold(false);
  ASSERT_TRUE(serveUntil([&] { return waiter.done.size() == 1; }));  // both share token 0
  EXPECT_EQ(waiter.calls, 2u);
  EXPECT_TRUE(waiter.done.begin()->second.delivered());
  std::vector<Delivered> all;
  ASSERT_TRUE(drain("d", 5, all));
  EXPECT_EQ(offsets(all), range(1, 5));
  const JournalStatus status = m_journal->status();
  EXPECT_EQ(status.overflow, 0u) << "nothing became a hole";
  EXPECT_EQ(status.journaled, 5u);
}

TEST_F(DurableWaitTest, AWaitThatOutlastsTheBlockTimeoutFailsNamingTheDurableModules) {
  auto now = SteadyClock::now();
  m_options.steadyNow = [&] { return now; };
  FailingJournal& store = openHeldWithFullQueue();
  RecordingWaiter waiter;
  PublishOptions options;
  options.waiter = &waiter;
  options.token = 7;
  v1::Event block = hostEvent(v1::EVENT_TYPE_NEW_BLOCK);
  EXPECT_FALSE(m_em->publish(v1::EVENT_TYPE_NEW_BLOCK, serializeEvent(block), options));
  ASSERT_TRUE(m_em->nextDeadline().has_value());
  now = *m_em->nextDeadline();
  m_em->expire();
  ASSERT_EQ(waiter.done.count(7), 1u);
  const PublishReport& report = waiter.done[7];
  EXPECT_FALSE(report.delivered());
  EXPECT_EQ(report.timedOut, 1u);
  ASSERT_EQ(report.missed.size(), 1u);
  EXPECT_EQ(report.missed[0].moduleId, "d");
  EXPECT_EQ(report.missed[0].reason, MissReason::TimedOut);
  store.hold(false);
  std::vector<Delivered> all;
  ASSERT_TRUE(drain("d", 3, all));
  EXPECT_EQ(offsets(all), range(1, 3)) << "the timed-out event was never published";
  EXPECT_EQ(m_journal->status().overflow, 0u);
}

TEST_F(DurableWaitTest, APublisherThatCannotWaitStillGetsAHole) {
  FailingJournal& store = openHeldWithFullQueue();
  EXPECT_TRUE(publishBlock(4).has_value()) << "no waiter: the host's own events never wait";
  EXPECT_EQ(m_journal->status().overflow, 1u);
  store.hold(false);
  std::vector<Delivered> all;
  ASSERT_TRUE(drain("d", 4, all));
  EXPECT_EQ(offsets(all), range(1, 4)) << "offset 4 is still delivered (from memory)";
}

}  // namespace
}  // namespace plexus::host
