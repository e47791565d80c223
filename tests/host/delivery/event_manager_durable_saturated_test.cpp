// A durable module's catch-up while publishers keep the journal thread's queue full
// (docs/design.md "Durable modules", "Catch-up under a saturated journal"): the catch-up's reads
// are served after each group, so it makes progress (no livelock); events published meanwhile
// are held by the journal and reach the module through its catch-up, in order, with no gap and
// no duplicate; publishers wait for the journal (no hole); memory stays bounded - the module
// holds at most its capacity, the waiting publishes at most what the publishers have open.

#include <algorithm>

#include "durable_fixture.h"

namespace plexus::host {
namespace {

TEST_F(DurableTest, ACatchUpMakesProgressWhilePublishersKeepTheJournalQueueFull) {
  constexpr std::uint64_t kAbsent = 3000;  // journaled in its absence (a previous run's store)
  constexpr std::uint32_t kCapacity = 16;
  constexpr std::uint64_t kWindow = 8;  // publishes the publishers keep waiting at most
  Cursor saved;
  saved.moduleId = "d";
  open(storeOf(kAbsent, saved), 32);  // a journal queue of 32 events
  attach("d", 1, kCapacity, DeliveryPolicy::Block);

  RecordingWaiter waiter;
  std::uint64_t published = 0;
  std::uint64_t waited = 0;     // publishes that had to wait for the journal
  std::uint64_t fullTurns = 0;  // loop turns that found the journal's queue full
  std::uint64_t maxWaiting = 0;
  std::size_t caughtUpAt = 0;  // events it had when it got past kAbsent, publishers still going
  std::vector<Delivered> all;
  // One turn of the node's loop: the publishers fill the journal's queue (each publish that
  // waits is open until told), the journal's notices let waits go on, the module takes and acks
  // what it was sent (or the journal's read answers are served).
  auto turn = [&](bool publish) {
    bool full = false;
    while (publish && waited - waiter.calls < kWindow) {
      ++published;
      if (!publishBlock(kAbsent + published, &waiter).has_value()) {
        ++waited;
        full = true;
      }
    }
    if (full) ++fullTurns;
    maxWaiting = std::max(maxWaiting, waited - waiter.calls);
    if (m_journal->notices().mayHaveItems()) {
      m_journal->onNotices();
      m_em->onJournalRoom();
    }
    step("d", all);
  };
  ASSERT_TRUE(until([&] {
    turn(true);
    if (caughtUpAt == 0 && all.size() > kAbsent) caughtUpAt = all.size();
    return caughtUpAt > 0;
  })) << "the catch-up got "
      << all.size() << " of " << kAbsent << " while the queue was full";
  EXPECT_GT(fullTurns, 10u) << "the publishers did keep the journal's queue full";
  EXPECT_GT(published, kWindow);

  // The publishers stop: everything published reaches it, in journal order.
  ASSERT_TRUE(until([&] {
    turn(false);
    return all.size() == kAbsent + published && waiter.calls == waited;
  })) << all.size()
      << " of " << kAbsent + published;
  EXPECT_EQ(offsets(all), range(1, kAbsent + published)) << "no gap, no duplicate";
  for (std::size_t i = 0; i < all.size(); ++i)
    ASSERT_EQ(all[i].seq, i + 1) << "offset " << all[i].offset;
  for (const auto& [token, report] : waiter.done)
    EXPECT_TRUE(report.delivered());
  EXPECT_EQ(m_journal->status().overflow, 0u) << "no publish became a hole";
  EXPECT_LE(maxWaiting, kWindow);
  const auto stats = m_em->stats("d");
  ASSERT_TRUE(stats.has_value());
  EXPECT_LE(stats->max_held(), kCapacity) << "the catch-up holds at most its capacity";
  EXPECT_EQ(stats->channel_full(), 0u);
  expectInvariants(*stats);
  // Live again once it reached the head: the next event arrives unflagged.
  publishBlock(kAbsent + published + 1);
  const auto next = take("d");
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].flags, 0u);
}

}  // namespace
}  // namespace plexus::host
