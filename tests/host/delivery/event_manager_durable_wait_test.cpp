// The journal's back-pressure (docs/design.md "Durable modules"): when the journal thread's
// queue is full, a publish of a type a durable module subscribes to, from a publisher that can
// wait, waits for room - in order, behind earlier waits - instead of becoming an Overflow hole
// the durable module would miss; at the block timeout it fails, naming the durable modules. A
// publisher that cannot wait, or a type no durable module subscribes to, still gets a hole.
// The same when no reserved offset is left: the publish waits for the reservation's notice
// instead of going without an offset; an event that did go without one (a publisher that
// cannot wait) never moves a durable module's catch-up.

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
  EXPECT_FALSE(report.published) << "neither journaled nor routed";
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

TEST_F(DurableWaitTest,
       APublishForADurableModuleWaitsForTheReservationInsteadOfGoingWithoutOffset) {
  auto failing = std::make_unique<FailingJournal>();
  FailingJournal& store = *failing;
  open(std::move(failing), 65536, 4);  // offsets 1..8 reserved at start
  attach("d", 1, 100);
  store.hold(true);  // the journal thread is stuck on its first group: no reservation comes back
  RecordingWaiter waiter;
  for (std::uint64_t height = 1; height <= 8; ++height)
    ASSERT_TRUE(publishBlock(height, &waiter).has_value());
  ASSERT_TRUE(store.waitUntilHolding(std::chrono::seconds(10)));
  EXPECT_FALSE(publishBlock(9, &waiter).has_value()) << "no reserved offset left: it waits";
  EXPECT_EQ(m_journal->status().unjournaled, 0u);
  store.hold(false);
  ASSERT_TRUE(serveUntil([&] { return waiter.calls == 1; }));
  EXPECT_TRUE(waiter.done[0].delivered());
  std::vector<Delivered> all;
  ASSERT_TRUE(drain("d", 9, all));
  EXPECT_EQ(offsets(all), range(1, 9)) << "offset 9, not 0";
  const JournalStatus status = m_journal->status();
  EXPECT_EQ(status.unjournaled, 0u);
  EXPECT_EQ(status.overflow, 0u);
  EXPECT_EQ(status.journaled, 9u);
}

// A full disk: no reservation is coming, so publishes do not wait for one - live delivery goes
// on without offsets (counted as unjournaled), to the durable module too.
TEST_F(DurableWaitTest, WhileTheStoreRefusesWritesLiveDeliveryGoesOnWithoutOffsets) {
  auto failing = std::make_unique<FailingJournal>();
  FailingJournal& store = *failing;
  open(std::move(failing), 65536, 4);
  attach("d", 1, 100);
  store.setFull(true);  // no write and no reservation succeeds
  publishBlocks(1, 8);  // the reservation made at start
  ASSERT_TRUE(serveUntil([&] { return !m_journal->status().last.ok; }));
  RecordingWaiter waiter;
  const auto report = publishBlock(9, &waiter);
  ASSERT_TRUE(report.has_value()) << "it does not wait for a reservation that cannot come";
  EXPECT_TRUE(report->delivered());
  EXPECT_EQ(report->accepted, 1u);
  EXPECT_EQ(m_journal->status().unjournaled, 1u);
  const std::vector<Delivered> sent = take("d");
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back().offset, 0u) << "live, without an offset";
}

TEST_F(DurableWaitTest, AnEventWithoutOffsetNeverMovesTheCatchUpOfADurableModuleWithAFullLane) {
  auto failing = std::make_unique<FailingJournal>();
  FailingJournal& store = *failing;
  open(std::move(failing), 65536, 4);  // offsets 1..8 reserved at start
  attach("d", 1, 2);
  store.hold(true);
  publishBlocks(1, 8);  // 1 and 2 fill its lane; 3..8 wait in the journal for its catch-up
  ASSERT_TRUE(store.waitUntilHolding(std::chrono::seconds(10)));
  EXPECT_TRUE(publishBlock(9).has_value()) << "the host's own events never wait";
  EXPECT_EQ(m_journal->status().unjournaled, 1u) << "no offset was left for it";
  store.hold(false);
  ASSERT_TRUE(serveUntil([&] { return m_journal->status().reservedThrough > 8; }));
  publishBlocks(10, 12);  // offsets 9..11
  std::vector<Delivered> all;
  ASSERT_TRUE(drain("d", 11, all));
  EXPECT_EQ(offsets(all), range(1, 11)) << "no event without offset, nothing skipped or repeated";
  EXPECT_TRUE(take("d").empty());
}

}  // namespace
}  // namespace plexus::host
