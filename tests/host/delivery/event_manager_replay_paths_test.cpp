// Replay on request, the paths off the straight road (docs/design.md "Replay on request"): a
// read the store refuses is retried and the replay goes on; a ReplayEnd the transport would not
// take is sent later, once; an unsubscribe mid-replay ends it cleanly, with no event of the
// type after it.

#include "fakes/failing_journal.h"
#include "journal/journal_writer_probe.h"
#include "replay_fixture.h"

namespace plexus::host {
namespace {

TEST_F(ReplayOnRequestTest, AReplayReadTheStoreRefusesIsRetriedAndTheReplayGoesOn) {
  auto now = SteadyClock::now();
  m_options.steadyNow = [&] { return now; };
  auto probe = std::make_unique<journal_test::ProbeStore>(
      std::make_unique<FailingJournal>(storeOf(10, std::nullopt)));
  journal_test::ProbeStore& store = *probe;
  store.failReads(true);
  open(std::move(probe));
  attachPlain("m", 16);
  ASSERT_TRUE(m_em->requestReplay("m", from(1, 10)).ok());
  // The refused read comes back: the replay waits for its retry, in nextDeadline().
  ASSERT_TRUE(until([&] {
    if (m_journal->reads().mayHaveItems()) m_journal->onReads();
    return m_em->nextDeadline().has_value();
  }));
  EXPECT_TRUE(sent("m", v1::LANE_REPLAY).empty());
  m_em->expire();  // not due yet: no second read
  EXPECT_FALSE(m_journal->reads().mayHaveItems());
  EXPECT_EQ(sent("m", v1::LANE_REPLAY).size(), 0u);
  store.failReads(false);
  now = *m_em->nextDeadline();
  m_em->expire();  // the retry
  ASSERT_TRUE(replayToEnd("m"));
  EXPECT_EQ(offsets(sent("m", v1::LANE_REPLAY)), range(1, 10));
  ASSERT_EQ(m_sink.replayEnds["m"].size(), 1u);
  EXPECT_EQ(m_sink.replayEnds["m"][0].end.events(), 10u);
  EXPECT_FALSE(m_em->nextDeadline().has_value()) << "nothing left to retry";
}

TEST_F(ReplayOnRequestTest, AReplayEndThatWouldBlockIsSentLaterOnce) {
  attachPlain("m", 16);
  publishBlocks(1, 3);
  m_em->flush();
  ASSERT_TRUE(m_em->ack("m", 3).ok());
  ASSERT_TRUE(m_em->requestReplay("m", from(1, 3)).ok());
  m_sink.endModes["m"] = SendStatus::WouldBlock;
  ASSERT_TRUE(until([&] {
    std::vector<Delivered> replayed = sent("m", v1::LANE_REPLAY);
    if (!replayed.empty()) {
      EXPECT_TRUE(m_em->ack("m", replayed.back().seq, v1::LANE_REPLAY).ok());
    }
    if (m_journal->reads().mayHaveItems()) m_journal->onReads();
    return replayed.size() == 3;
  }));
  m_em->flush();
  EXPECT_TRUE(m_sink.replayEnds["m"].empty()) << "the transport would block";
  EXPECT_TRUE(m_em->nextDeadline().has_value()) << "the flush is retried";
  EXPECT_EQ(m_em->requestReplay("m", from(1, 3)).error().code, v1::ERROR_CODE_ALREADY_EXISTS)
      << "the replay runs until its end is sent";
  m_sink.endModes["m"] = SendStatus::Sent;
  m_em->flush();
  ASSERT_EQ(m_sink.replayEnds["m"].size(), 1u);
  EXPECT_EQ(m_sink.replayEnds["m"][0].end.events(), 3u);
  EXPECT_EQ(m_sink.replayEnds["m"][0].end.through_offset(), 3u);
  m_em->flush();
  EXPECT_EQ(m_sink.replayEnds["m"].size(), 1u) << "sent once";
  EXPECT_TRUE(m_em->requestReplay("m", from(1, 3)).ok()) << "the next replay may start";
}

TEST_F(ReplayOnRequestTest, AnUnsubscribeMidReplayEndsItWithNoEventOfTheTypeAfter) {
  attachPlain("m", 4);  // a replay lane of 2
  publishBlocks(1, 10);
  std::vector<Delivered> live = sent("m", v1::LANE_EVENT);
  ASSERT_TRUE(m_em->ack("m", live.back().seq).ok());
  ASSERT_TRUE(m_em->requestReplay("m", from(1, 10)).ok());
  ASSERT_TRUE(until([&] {
    if (m_journal->reads().mayHaveItems()) m_journal->onReads();
    return sent("m", v1::LANE_REPLAY).size() == 2;  // its lane is full
  }));
  ASSERT_TRUE(m_em->unsubscribe("m", std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
  ASSERT_TRUE(m_em->ack("m", 2, v1::LANE_REPLAY).ok());
  if (m_journal->reads().mayHaveItems()) m_journal->onReads();
  m_em->flush();
  EXPECT_EQ(offsets(sent("m", v1::LANE_REPLAY)), range(1, 2)) << "nothing after the unsubscribe";
  ASSERT_EQ(m_sink.replayEnds["m"].size(), 1u);
  const v1::ReplayEnd& end = m_sink.replayEnds["m"][0].end;
  EXPECT_EQ(end.events(), 2u);
  EXPECT_EQ(end.through_offset(), 2u) << "where its reads got to";
  EXPECT_FALSE(m_journal->reads().mayHaveItems()) << "no read after the end";
  expectInvariants(*m_em->stats("m"));
}

TEST_F(ReplayOnRequestTest, AnUnsubscribeWhileItsReadIsOnItsWayEndsTheReplayAtOnce) {
  attachPlain("m", 16);
  publishBlocks(1, 5);
  m_em->flush();
  ASSERT_TRUE(m_em->ack("m", 5).ok());
  ASSERT_TRUE(m_em->requestReplay("m", from(1, 5)).ok());  // its first read is on its way
  ASSERT_TRUE(m_em->unsubscribe("m", std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
  m_em->flush();
  ASSERT_EQ(m_sink.replayEnds["m"].size(), 1u);
  EXPECT_EQ(m_sink.replayEnds["m"][0].end.events(), 0u);
  // The read comes back to a replay that ended: nothing of it is taken.
  ASSERT_TRUE(until([&] {
    if (!m_journal->reads().mayHaveItems()) return false;
    m_journal->onReads();
    return true;
  }));
  m_em->flush();
  EXPECT_TRUE(sent("m", v1::LANE_REPLAY).empty());
  EXPECT_EQ(m_sink.replayEnds["m"].size(), 1u);
  expectInvariants(*m_em->stats("m"));
}

}  // namespace
}  // namespace plexus::host
