// Durable modules in the real node (issue 13, stage 3; docs/design.md "Durable modules"), with
// the probe module over real sockets: a durable module SIGKILLed while events flow gets, in its
// next incarnation, every event it had not acked - in journal order, those it had been sent
// flagged redelivered - and then the rest; one unloaded while 10 000 events are published catches
// up exactly on its next load; after a node SIGKILL it resumes from its cursor with nothing lost.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <string>
#include <vector>

#include "journal/journal_store.h"
#include "probe_runs.h"
#include "test_node.h"

namespace plexus::test {
namespace {

// Offsets from..to, each once, in order.
void expectExactly(const HandledRun& handled, std::uint64_t from, std::uint64_t to) {
  ASSERT_EQ(handled.size(), to - from + 1);
  for (std::uint64_t i = 0; i < handled.size(); ++i)
    ASSERT_EQ(handled[i].offset, from + i) << "at " << i;
}

std::string durableProbe(const std::filesystem::path& report, const std::string& restart,
                         std::vector<std::string> extraArgs = {}) {
  std::vector<std::string> args{"--report", report.string(), "--report-offsets"};
  args.insert(args.end(), extraArgs.begin(), extraArgs.end());
  ModuleSpec spec("d", {}, args);
  spec.restart = restart;
  spec.extra = "durable: true\n";
  return spec.text();
}

TEST(DurableTest, ASigkilledDurableModuleGetsEveryUnackedEventAgainFlaggedThenTheRest) {
  TempDir dir;
  const auto report = dir / "probe.report";
  TestNode node(durableProbe(report, "RESTART_POLICY_ON_FAILURE", {"--delay-ms", "2"}),
                "restart_backoff_initial_ms: 50\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const std::uint64_t total = 600;
  ASSERT_TRUE(node.publish(newBlock(1), total).has_publish());
  ASSERT_TRUE(waitFor([&] { return handledOffsets(report) >= 100; })) << node.log();
  const auto before = node.module("d");
  ASSERT_TRUE(before && before->pid() > 0);
  ASSERT_EQ(::kill(before->pid(), SIGKILL), 0);

  // The next incarnation catches up and handles everything to the last offset.
  ASSERT_TRUE(waitFor([&] {
    const auto runs = handledRuns(report);
    return runs.size() >= 2 && !runs.back().empty() && runs.back().back().offset == total;
  })) << node.log();
  const auto runs = handledRuns(report);
  ASSERT_EQ(runs.size(), 2u) << readFile(report);
  const auto& first = runs.front();
  const auto& second = runs.back();
  ASSERT_FALSE(first.empty());
  expectExactly(first, 1, first.back().offset);
  for (const auto& handled : first)  // live, or from the journal when its channel was full
    EXPECT_EQ(handled.flags & kRedelivered, 0u) << "offset " << handled.offset;
  // No gap: it resumes at or before the first event the killed incarnation did not handle.
  ASSERT_FALSE(second.empty());
  EXPECT_LE(second.front().offset, first.back().offset + 1);
  EXPECT_GE(second.front().offset, 1u);
  expectExactly(second, second.front().offset, total);
  // Only what it had not acked comes again: at most a channel's worth.
  const std::uint64_t again = first.back().offset - second.front().offset + 1;
  EXPECT_LE(again, 100u);
  // Those it handled before, and those it had been sent but not handled yet (its SDK's queue):
  // a prefix of the new run, each flagged redelivered; nothing after it is.
  bool redelivering = true;
  for (const auto& handled : second) {
    if (handled.offset <= first.back().offset) {
      EXPECT_EQ(handled.flags, kReplayed | kRedelivered) << "offset " << handled.offset;
    }
    if ((handled.flags & kRedelivered) == 0) redelivering = false;
    EXPECT_TRUE(redelivering || (handled.flags & kRedelivered) == 0) << "offset " << handled.offset;
  }
  const auto stats = node.stats("d");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->channel_full(), 0u);
  EXPECT_GE(stats->redelivered(), again);
  EXPECT_TRUE(drainAndCheckInvariants(node));
}

TEST(DurableTest, ADurableModuleUnloadedWhile10000EventsArePublishedCatchesUpExactly) {
  TempDir dir;
  const auto report = dir / "probe.report";
  TestNode node(durableProbe(report, "RESTART_POLICY_NEVER"));
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  ASSERT_TRUE(node.publish(newBlock(1), 10).has_publish());
  ASSERT_TRUE(waitFor([&] { return handledOffsets(report) == 10; })) << node.log();
  const auto unload = runCtl(node, "unload d", true);
  ASSERT_EQ(unload.exitCode, 0) << unload.out;

  for (int round = 0; round < 10; ++round)
    ASSERT_TRUE(node.publish(newBlock(2), 1000).has_publish());
  const auto load = runCtl(node, "load d", true);
  ASSERT_EQ(load.exitCode, 0) << load.out << node.log();
  ASSERT_TRUE(waitFor([&] { return handledOffsets(report) == 10'010; })) << node.log();
  ASSERT_TRUE(node.publish(newBlock(3), 5).has_publish());  // live again
  ASSERT_TRUE(waitFor([&] { return handledOffsets(report) == 10'015; })) << node.log();

  const auto runs = handledRuns(report);
  ASSERT_EQ(runs.size(), 2u);
  expectExactly(runs.front(), 1, 10);
  const auto& second = runs.back();
  expectExactly(second, 11, 10'015);
  for (std::size_t i = 0; i < second.size(); ++i) {
    const std::uint32_t expected = i < 10'000 ? kReplayed : 0u;
    ASSERT_EQ(second[i].flags, expected) << "offset " << second[i].offset;
  }
  const auto stats = node.stats("d");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->replayed(), 10'000u);
  EXPECT_EQ(stats->redelivered(), 0u);
  EXPECT_EQ(stats->channel_full(), 0u);
  EXPECT_TRUE(drainAndCheckInvariants(node));
}

TEST(DurableTest, AfterANodeSigkillDurableModulesResumeFromTheirCursorsWithNothingLost) {
  TempDir dir;
  const auto report = dir / "probe.report";
  TestNode node(durableProbe(report, "RESTART_POLICY_NEVER"));
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  ASSERT_TRUE(node.publish(newBlock(1), 100).has_publish());
  ASSERT_TRUE(waitFor([&] { return handledOffsets(report) == 100; })) << node.log();
  // Its cursor reached the disk (written with the journal's groups, about every 100 ms).
  ASSERT_TRUE(waitFor([&] {
    auto store = host::makeSqliteJournal(node.journalDir() / "journal.sqlite");
    auto cursor = store->getCursor("d");
    return cursor.ok() && cursor->has_value() && (*cursor)->cursor == 100;
  })) << node.log();
  node.stop(SIGKILL);

  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  ASSERT_TRUE(node.publish(newBlock(2), 10).has_publish());
  ASSERT_TRUE(waitFor([&] {
    const auto runs = handledRuns(report);
    if (runs.size() < 2) return false;
    return std::count_if(runs.back().begin(), runs.back().end(),
                         [](const HandledEvent& h) { return h.offset > 100; }) == 10;
  })) << node.log();
  const auto runs = handledRuns(report);
  ASSERT_EQ(runs.size(), 2u) << readFile(report);
  expectExactly(runs[0], 1, 100);
  const auto& after = runs[1];
  ASSERT_GE(after.size(), 10u);
  // Its cursor was on disk: nothing comes again (had the kill come before the cursor's commit,
  // what it acked since would, flagged redelivered); then the ten new events (their offsets
  // after the crash hole), once.
  std::size_t k = 0;
  for (; k < after.size() && after[k].offset <= 100; ++k) {
    EXPECT_EQ(after[k].flags, kReplayed | kRedelivered) << "offset " << after[k].offset;
    if (k > 0) {
      EXPECT_EQ(after[k].offset, after[k - 1].offset + 1);
    }
  }
  EXPECT_EQ(k, 0u) << "its cursor was committed: nothing is delivered twice";
  ASSERT_EQ(after.size() - k, 10u) << readFile(report);
  for (std::size_t i = k; i < after.size(); ++i) {
    EXPECT_GT(after[i].offset, 100u);
    EXPECT_EQ(after[i].flags & kRedelivered, 0u);
    if (i > k) {
      EXPECT_EQ(after[i].offset, after[i - 1].offset + 1);
    }
  }
}

}  // namespace
}  // namespace plexus::test
