// EventManager statistics: they survive a restart, a reset keeps both invariants, and both
// invariants hold after every step of a mixed workload; forget removes a detached module's.

#include <thread>

#include "event_manager_fixture.h"

namespace plexus::host {
namespace {

TEST_F(EventManagerTest, StatisticsSurviveARestartAndSequencesStartAgain) {
  load("phoenix", 2);
  for (int i = 1; i <= 3; ++i)
    publishBlock(i);
  em.flush();
  em.detach("phoenix");
  attach("phoenix", 2, DeliveryPolicy::Drop, 2);
  ASSERT_TRUE(em.subscribe("phoenix", std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
  publishBlock(4);
  em.flush();
  auto s = stats("phoenix");
  EXPECT_EQ(s.routed(), 4u);
  EXPECT_EQ(s.lost(), 2u);
  EXPECT_EQ(s.channel_full(), 1u);
  EXPECT_EQ(lastEventSeq("phoenix"), 1u) << "a new incarnation counts from 1";
  expectInvariants();
}

TEST_F(EventManagerTest, ResetKeepsBothInvariants) {
  load("m", 3);
  for (int i = 1; i <= 6; ++i)
    publishBlock(i);
  em.flush();
  ASSERT_TRUE(em.ack("m", 1).ok());
  em.countDecodeError("m");
  em.countRejected("m");
  ASSERT_TRUE(em.resetStats("m"));
  auto s = stats("m");
  EXPECT_EQ(s.routed(), 2u);
  EXPECT_EQ(s.successful(), 2u);
  EXPECT_EQ(s.in_flight(), 2u);
  EXPECT_EQ(s.channel_full(), 0u);
  EXPECT_EQ(s.acked(), 0u);
  EXPECT_EQ(s.decode_errors(), 0u);
  EXPECT_EQ(s.rejected(), 0u);
  EXPECT_EQ(s.max_held(), 2u);
  expectInvariants();
  ASSERT_TRUE(em.ack("m", 3).ok());
  expectInvariants();
  EXPECT_FALSE(em.resetStats("unknown"));
}

TEST_F(EventManagerTest, SinceStartStatsAndHoldTimesIgnoreResets) {
  load("m", 3);
  for (int i = 1; i <= 4; ++i)
    publishBlock(i);  // 3 accepted at t0, 1 dropped
  em.flush();
  now += std::chrono::milliseconds(3);
  ASSERT_TRUE(em.ack("m", 1).ok());  // held 3 ms
  em.resetAllStats();
  now += std::chrono::seconds(20);
  ASSERT_TRUE(em.ack("m", 3).ok());  // held 20.003 s: past every bound
  const auto all = em.allStatsSinceStart();
  ASSERT_EQ(all.size(), 1u);
  const v1::DeliveryStats& s = all[0].stats;
  EXPECT_EQ(s.routed(), 4u);
  EXPECT_EQ(s.successful(), 3u);
  EXPECT_EQ(s.channel_full(), 1u);
  EXPECT_EQ(s.acked(), 3u);
  EXPECT_EQ(stats("m").acked(), 2u) << "the reset view";
  const HoldHistogram& holds = all[0].holdTimes;
  EXPECT_EQ(holds.counts[5], 1u) << "3 ms: le 5 ms";
  EXPECT_EQ(holds.counts.back(), 2u) << "20 s: +Inf";
  EXPECT_EQ(holds.sumNs, 3'000'000u + 2 * 20'003'000'000u);
}

TEST_F(EventManagerTest, ForgetRemovesADetachedModulesStatisticsAndNothingElse) {
  load("gone", 5);
  load("kept", 5);
  publishBlock(1);
  em.flush();
  EXPECT_FALSE(em.forget("gone")) << "attached: not forgotten";
  em.detach("gone");
  ASSERT_TRUE(em.forget("gone"));
  EXPECT_FALSE(em.stats("gone").has_value());
  ASSERT_EQ(em.allStats().size(), 1u);
  EXPECT_EQ(em.allStats()[0].module_id(), "kept");
  EXPECT_FALSE(em.forget("gone")) << "unknown now";
  EXPECT_EQ(em.subscribers(v1::EVENT_TYPE_NEW_BLOCK), std::vector<std::string>{"kept"});

  // The same id later starts from nothing.
  load("gone", 5);
  EXPECT_EQ(stats("gone").routed(), 0u);
  expectInvariants();
}

TEST_F(EventManagerTest, AForgottenModuleABlockedPublishStillWaitedForIsSafe) {
  load("full", 1, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  load("slow", 1, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  RecordingWaiter waiter;
  publishBlock(1, &waiter, 1);
  EXPECT_FALSE(publishBlock(2, &waiter, 2).has_value());  // waits for both
  em.detach("full");
  ASSERT_TRUE(em.forget("full"));
  em.flush();
  now += std::chrono::milliseconds(1000);
  em.expire();  // still waits for "slow"; the forgotten slot's wait is looked at, not freed
  ASSERT_EQ(waiter.done.count(2), 1u);
  em.flush();
  EXPECT_FALSE(em.stats("full").has_value());
  expectInvariants();
}

// A deterministic pseudo-random mix of everything that moves a counter: publishes with and
// without a waiter, flushes, acks, block timeouts, stopping, deaths and restarts, resets. Both
// invariants hold after every step, and every publish that waited is resolved exactly once.
TEST_F(EventManagerTest, InvariantsHoldThroughAMixedWorkload) {
  struct Module {
    std::string id;
    std::uint32_t capacity;
    DeliveryPolicy policy;
    std::uint64_t incarnation = 1;
  };
  std::vector<Module> modules = {{"drop1", 1, DeliveryPolicy::Drop},
                                 {"drop3", 3, DeliveryPolicy::Drop},
                                 {"block2", 2, DeliveryPolicy::Block},
                                 {"block4", 4, DeliveryPolicy::Block}};
  for (const auto& m : modules)
    load(m.id, m.capacity, {v1::EVENT_TYPE_NEW_BLOCK}, m.policy);
  RecordingWaiter waiter;
  std::uint64_t token = 0, resolvedAtOnce = 0;
  std::uint32_t state = 12345;
  auto next = [&state](std::uint32_t bound) {
    state = state * 1103515245u + 12345u;
    return (state >> 8) % bound;
  };
  for (int step = 0; step < 3000 && !HasFailure(); ++step) {
    Module& m = modules[next(static_cast<std::uint32_t>(modules.size()))];
    switch (next(10)) {
      case 0:
      case 1:
      case 2:
        if (publishBlock(step, &waiter, ++token)) ++resolvedAtOnce;
        break;
      case 3:
        publishBlock(step);
        break;
      case 4:
        em.flush();
        break;
      case 5:
        (void)em.ack(m.id, lastEventSeq(m.id));  // refused when nothing was sent
        break;
      case 6:
        now += std::chrono::milliseconds(next(600));
        em.expire();
        break;
      case 7:
        if (next(4) == 0) em.beginStopping(m.id);
        break;
      case 8:
        if (next(3) == 0) {
          em.detach(m.id);
          sink.delivered.erase(m.id);
          attach(m.id, m.capacity, m.policy, ++m.incarnation);
          ASSERT_TRUE(em.subscribe(m.id, std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
        }
        break;
      case 9:
        if (next(10) == 0) em.resetStats(m.id);
        break;
    }
    SCOPED_TRACE(step);
    expectInvariants();
  }
  for (const auto& m : modules)
    em.detach(m.id);
  expectInvariants();
  EXPECT_EQ(waiter.calls, waiter.done.size()) << "no publish resolved twice";
  EXPECT_EQ(resolvedAtOnce + waiter.done.size(), token) << "every publish resolved";
  EXPECT_FALSE(em.nextDeadline().has_value());
  // The mix reached every fate.
  std::uint64_t acked = 0, full = 0, failed = 0, lost = 0, timedOut = 0, released = 0;
  for (const auto& s : em.allStats()) {
    acked += s.acked();
    full += s.channel_full();
    failed += s.failed();
    lost += s.lost();
  }
  for (const auto& [t, report] : waiter.done) {
    timedOut += report.timedOut;
    released += report.timedOut == 0 && report.failed == 0 ? 1 : 0;
  }
  EXPECT_GT(acked, 0u);
  EXPECT_GT(full, 0u);
  EXPECT_GT(failed, 0u);
  EXPECT_GT(lost, 0u);
  EXPECT_GT(timedOut, 0u);
  EXPECT_GT(released, 0u) << "some waits ended by an ack";
}

using EventManagerDeathTest = EventManagerTest;

TEST_F(EventManagerDeathTest, CallsOffTheLoopThreadAbortInCheckedBuilds) {
#if defined(PLEXUS_THREAD_CHECKS) && PLEXUS_THREAD_CHECKS
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  load("m", 2);  // binds the EventManager to this thread, its loop
  EXPECT_DEATH(
      {
        std::thread other([this] { publishBlock(1); });
        other.join();
      },
      "thread rule broken");
#else
  GTEST_SKIP() << "thread checks are compiled out in this build";
#endif
}

}  // namespace
}  // namespace plexus::host
