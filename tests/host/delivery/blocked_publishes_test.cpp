// BlockedPublishes: a waiting publish resolves exactly once - when the last subscriber it waits
// for admitted or failed it, or at its deadline with the rest timed out; ids are reused and a
// stale deadline never fires; a waiter may open another publish from its callback.

#include "delivery/blocked_publishes.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "delivery/module_slot.h"
#include "recording_sink.h"

namespace plexus::host {
namespace {

using std::chrono::milliseconds;

class BlockedPublishesTest : public ::testing::Test {
 public:
  SteadyClock::time_point at(int ms) const { return start + milliseconds(ms); }

  const SteadyClock::time_point start = SteadyClock::time_point(std::chrono::hours(1));
  ModuleSlot a{"a"};
  ModuleSlot b{"b"};
  RecordingWaiter waiter;
  BlockedPublishes blocked;
};

TEST_F(BlockedPublishesTest, ResolvesWhenTheLastWaitIsAdmitted) {
  auto id = blocked.open(waiter, 7, at(1000));
  blocked.waitFor(id, {&a, 1, 10});
  blocked.waitFor(id, {&b, 1, 20});
  PublishReport settled;
  settled.subscribers = 3;
  settled.dropped = 1;
  blocked.report(id) = settled;
  EXPECT_EQ(blocked.waiting(), 1u);
  blocked.admitted(id);
  EXPECT_TRUE(waiter.done.empty());
  blocked.admitted(id);
  ASSERT_EQ(waiter.done.count(7), 1u);
  EXPECT_EQ(waiter.done[7].subscribers, 3u);
  EXPECT_EQ(waiter.done[7].dropped, 1u);
  EXPECT_EQ(waiter.done[7].failed, 0u);
  EXPECT_EQ(waiter.done[7].timedOut, 0u);
  EXPECT_EQ(waiter.done[7].accepted, 2u);
  EXPECT_TRUE(waiter.done[7].delivered());
  EXPECT_EQ(blocked.waiting(), 0u);
  EXPECT_FALSE(blocked.nextDeadline().has_value());
}

TEST_F(BlockedPublishesTest, FailedWaitsAreCountedInTheReport) {
  auto id = blocked.open(waiter, 1, at(1000));
  blocked.waitFor(id, {&a, 1, 10});
  blocked.waitFor(id, {&b, 1, 20});
  blocked.failed(id, "a", MissReason::Stopping);
  blocked.admitted(id);
  ASSERT_EQ(waiter.calls, 1u);
  EXPECT_EQ(waiter.done[1].failed, 1u);
  EXPECT_EQ(waiter.done[1].accepted, 1u);
  ASSERT_EQ(waiter.done[1].missed.size(), 1u) << "the failed subscriber is named";
  EXPECT_EQ(waiter.done[1].missed[0].moduleId, "a");
  EXPECT_EQ(waiter.done[1].missed[0].reason, MissReason::Stopping);
  EXPECT_FALSE(waiter.done[1].delivered());
}

TEST_F(BlockedPublishesTest, ExpireTimesOutWhatStillWaitsAtTheDeadline) {
  auto id = blocked.open(waiter, 5, at(1000));
  blocked.waitFor(id, {&a, 3, 10});
  blocked.waitFor(id, {&b, 4, 20});
  blocked.admitted(id);  // a took it meanwhile
  std::vector<BlockedPublishes::Wait> asked;
  auto timeOut = [&](const BlockedPublishes::Wait& wait) {
    asked.push_back(wait);
    return wait.slot == &b;  // only b still holds it in its waiting room
  };
  blocked.expire(at(999), timeOut);
  EXPECT_TRUE(asked.empty()) << "not yet due";
  EXPECT_EQ(blocked.nextDeadline(), at(1000));
  blocked.expire(at(1000), timeOut);
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[0].slot, &a);
  EXPECT_EQ(asked[0].incarnation, 3u);
  EXPECT_EQ(asked[0].seq, 10u);
  EXPECT_EQ(asked[1].slot, &b);
  EXPECT_EQ(asked[1].incarnation, 4u);
  EXPECT_EQ(asked[1].seq, 20u);
  ASSERT_EQ(waiter.done.count(5), 1u);
  EXPECT_EQ(waiter.done[5].timedOut, 1u);
  EXPECT_EQ(waiter.done[5].accepted, 1u);
  ASSERT_EQ(waiter.done[5].missed.size(), 1u);
  EXPECT_EQ(waiter.done[5].missed[0].moduleId, "b");
  EXPECT_EQ(waiter.done[5].missed[0].reason, MissReason::TimedOut);
  EXPECT_EQ(blocked.waiting(), 0u);
}

TEST_F(BlockedPublishesTest, ExpireStopsAtTheFirstPublishNotYetDue) {
  auto first = blocked.open(waiter, 1, at(100));
  blocked.waitFor(first, {&a, 1, 1});
  auto second = blocked.open(waiter, 2, at(200));
  blocked.waitFor(second, {&a, 1, 2});
  auto all = [](const BlockedPublishes::Wait&) { return true; };
  blocked.expire(at(150), all);
  EXPECT_EQ(waiter.done.count(1), 1u);
  EXPECT_EQ(waiter.done.count(2), 0u);
  EXPECT_EQ(blocked.nextDeadline(), at(200));
  blocked.expire(at(250), all);
  EXPECT_EQ(waiter.done.count(2), 1u);
  EXPECT_EQ(waiter.calls, 2u);
}

TEST_F(BlockedPublishesTest, NextDeadlineSkipsPublishesResolvedEarly) {
  auto first = blocked.open(waiter, 1, at(100));
  blocked.waitFor(first, {&a, 1, 1});
  auto second = blocked.open(waiter, 2, at(200));
  blocked.waitFor(second, {&b, 1, 1});
  EXPECT_EQ(blocked.nextDeadline(), at(100));
  blocked.admitted(first);
  EXPECT_EQ(blocked.nextDeadline(), at(200));
  blocked.failed(second, "b", MissReason::Gone);
  EXPECT_FALSE(blocked.nextDeadline().has_value());
}

TEST_F(BlockedPublishesTest, IdsAreReusedAndAStaleDeadlineNeverFires) {
  auto first = blocked.open(waiter, 1, at(100));
  blocked.waitFor(first, {&a, 1, 1});
  blocked.admitted(first);
  auto second = blocked.open(waiter, 2, at(300));
  EXPECT_EQ(second, first) << "the freed id is reused";
  blocked.waitFor(second, {&a, 1, 2});
  int asked = 0;
  auto count = [&](const BlockedPublishes::Wait&) { return ++asked > 0; };
  blocked.expire(at(200), count);
  EXPECT_EQ(asked, 0) << "the first publish's deadline is not the second's";
  EXPECT_EQ(waiter.done.count(2), 0u);
  blocked.expire(at(300), count);
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(waiter.done[2].timedOut, 1u);
}

TEST_F(BlockedPublishesTest, AWaiterMayOpenAnotherPublishFromItsCallback) {
  struct Republisher : PublishWaiter {
    BlockedPublishes* blocked = nullptr;
    ModuleSlot* slot = nullptr;
    SteadyClock::time_point deadline{};
    std::vector<std::uint64_t> told;
    void onPublishDone(std::uint64_t token, const PublishReport&) override {
      told.push_back(token);
      if (token == 1) {
        auto id = blocked->open(*this, 2, deadline);
        blocked->waitFor(id, {slot, 1, 2});
      }
    }
  } republisher;
  republisher.blocked = &blocked;
  republisher.slot = &a;
  republisher.deadline = at(500);
  auto id = blocked.open(republisher, 1, at(100));
  blocked.waitFor(id, {&a, 1, 1});
  blocked.admitted(id);
  EXPECT_EQ(republisher.told, std::vector<std::uint64_t>{1});
  EXPECT_EQ(blocked.waiting(), 1u) << "the new publish waits";
  EXPECT_EQ(blocked.nextDeadline(), at(500));
  blocked.admitted(id);  // the reused id: the new publish
  EXPECT_EQ(republisher.told, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(blocked.waiting(), 0u);
}

}  // namespace
}  // namespace plexus::host
