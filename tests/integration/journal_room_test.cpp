// Publishes that wait for room in the journal, in the real node (docs/design.md "Durable modules",
// back-pressure): another writer of journal.sqlite holds its write lock (JournalWriteLock), so
// the node's journal thread stalls in each commit and its queue (16 events) fills. An operator
// event of a type a durable module subscribes to then waits for room, and past block_timeout_ms
// the node has published nothing of it: plexusctl reports it not published (exit 1,
// `unpublished` 1, the durable module named), the durable module got exactly the events that were
// published, and once the lock is gone the same publish goes through again.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <optional>
#include <regex>
#include <string>

#include "journal_snapshot.h"
#include "journal_write_lock.h"
#include "probe_runs.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class JournalRoomTest : public ::testing::Test {
 protected:
  std::string config() const {
    ModuleSpec durable("d", {},
                       {"--report", report.string(), "--report-offsets", "--types", "NewBlock"});
    durable.extra = "durable: true\n";
    return durable.text() + "journal {\n  path: \"" + journalDir.string() + "\"\n  queue: 16\n}\n";
  }

  void startTheNode() {
    node.start();
    ASSERT_TRUE(node.waitAllReady()) << node.log();
  }

  // Takes journal.sqlite's write lock; lock->release() (or the test's end) gives it back.
  void holdTheJournal() {
    lock.emplace(journalDir / "journal.sqlite");
    ASSERT_TRUE(lock->held()) << lock->error();
  }

  // With the journal held: 40 NewBlocks from plexusctl, one after another. The journal thread
  // takes the first ones into a commit that waits on the lock (or is in one already), the next 16
  // fill its queue, and the one after waits for room in vain. Returns how many were published.
  std::size_t publishIntoTheHeldJournal() {
    const CtlRun stalled = runCtl(node, "publish NewBlock --count 40");
    EXPECT_EQ(stalled.exitCode, 1) << stalled.out;
    std::smatch counts;
    if (!std::regex_search(stalled.out, counts,
                           std::regex("published ([0-9]+) of 40 event\\(s\\) of NewBlock"))) {
      ADD_FAILURE() << stalled.out;
      return 0;
    }
    const std::size_t published = std::stoul(counts[1]);
    EXPECT_GE(published, 16u) << "at least a queue's worth was taken";
    EXPECT_LT(published, 40u);
    EXPECT_THAT(
        stalled.out,
        HasSubstr("event " + std::to_string(published + 1) +
                  " was not published: the journal made no room for it within the block "
                  "timeout (durable subscriber(s): d (timed out)); nothing was journaled or "
                  "routed, publish it again"));
    return published;
  }

  // The durable module handled `count` events in all, and not one more once the node answered.
  void expectHandled(std::size_t count) {
    ASSERT_TRUE(waitFor([&] { return handledOffsets(report) >= count; }))
        << handledOffsets(report) << " of " << count << "\n"
        << node.log();
    ASSERT_TRUE(drainAndCheckInvariants(node)) << node.log();
    EXPECT_EQ(handledOffsets(report), count) << readFile(report);
  }

  TempDir dir{"pxroom"};
  std::filesystem::path report = dir / "d.report";
  std::filesystem::path journalDir = dir / "journal";
  TestNode node{config(), "block_timeout_ms: 100\n"};
  std::optional<JournalWriteLock> lock;
};

TEST_F(JournalRoomTest, AnOperatorEventTheJournalHadNoRoomForIsReportedUnpublished) {
  ASSERT_NO_FATAL_FAILURE(startTheNode());
  ASSERT_NO_FATAL_FAILURE(holdTheJournal());
  const std::size_t published = publishIntoTheHeldJournal();
  expectHandled(published);

  lock->release();
  const CtlRun again = runCtl(node, "publish NewBlock --json");
  EXPECT_EQ(again.exitCode, 0) << again.out << node.log();
  EXPECT_THAT(again.out, HasSubstr("\"published\":1")) << again.out;
  EXPECT_THAT(again.out, HasSubstr("\"unpublished\":0")) << again.out;
  expectHandled(published + 1);
}

TEST_F(JournalRoomTest, ItsJsonAnswerCountsTheEventAsUnpublished) {
  ASSERT_NO_FATAL_FAILURE(startTheNode());
  ASSERT_NO_FATAL_FAILURE(holdTheJournal());

  const CtlRun stalled = runCtl(node, "publish NewBlock --count 40 --json");
  EXPECT_EQ(stalled.exitCode, 1) << stalled.out;
  EXPECT_THAT(stalled.out, HasSubstr("\"requested\":40")) << stalled.out;
  EXPECT_THAT(stalled.out, HasSubstr("\"unpublished\":1")) << stalled.out;
  EXPECT_THAT(stalled.out, HasSubstr("\"module_id\":\"d\"")) << stalled.out;
  EXPECT_THAT(stalled.out, HasSubstr("MISS_REASON_TIMED_OUT")) << stalled.out;
}

// A stop while the journal is held does not wait for the disk: the node exits in a bounded time
// (a busy timeout per attempt) and says what it did not write. The next start records what was
// reserved and not written as a Crash hole and hands out no offset of it again. (The durable
// module's cursor was never stored either, so that start meets it as a new durable module, at
// the journal's head; it had handled every event it was sent.)
TEST_F(JournalRoomTest, ANodeStoppedWhileItsJournalIsHeldStopsAndSaysWhatItDidNotWrite) {
  ASSERT_NO_FATAL_FAILURE(startTheNode());
  ASSERT_NO_FATAL_FAILURE(holdTheJournal());
  const std::size_t published = publishIntoTheHeldJournal();
  expectHandled(published);
  // The first commit gives up after SQLite's busy timeout: the operator sees the journal failing.
  ASSERT_TRUE(waitFor([&] { return !node.journal().writing(); })) << node.log();
  const CtlRun journal = runCtl(node, "journal");
  EXPECT_THAT(journal.out, HasSubstr("state  failing: ")) << journal.out;
  EXPECT_THAT(journal.out, HasSubstr("database is locked")) << journal.out;

  const auto status = node.stop(SIGINT, 20s);
  ASSERT_TRUE(status.has_value()) << "the node did not stop within 20 s\n" << node.log();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status << "\n" << node.log();
  const std::string log = node.log();
  EXPECT_THAT(log, HasSubstr("journal stopped while its store refused writes")) << log;
  EXPECT_THAT(log, HasSubstr("database is locked")) << log;
  EXPECT_THAT(log, HasSubstr("journal clean stop failed: ")) << log;

  lock->release();
  ASSERT_NO_FATAL_FAILURE(startTheNode());
  EXPECT_THAT(runCtl(node, "journal").out, HasSubstr("crash hole  1.."));
  EXPECT_EQ(runCtl(node, "publish NewBlock").exitCode, 0) << node.log();
  ASSERT_TRUE(waitFor([&] {
    const auto runs = handledRuns(report);  // one read of the report per poll
    return runs.size() == 2 && !runs[1].empty();
  })) << readFile(report)
      << node.log();
  ASSERT_TRUE(node.stop().has_value());

  const auto runs = handledRuns(report);
  ASSERT_EQ(runs.size(), 2u);
  ASSERT_EQ(runs[1].size(), 1u) << readFile(report) << "nothing of the first run was written";
  EXPECT_GT(runs[1][0].offset, published) << "no offset is handed out twice";
  EXPECT_THAT(node.log(), HasSubstr("the previous run stopped without writing offsets 1.."));
  const JournalSnapshot stored = readJournalSnapshot(journalDir / "journal.sqlite");
  expectConsistentJournal(stored);
  EXPECT_TRUE(stored.holeBetween(0, published + 1)) << "offsets 1 to " << published;
  EXPECT_EQ(stored.offsetsOf(v1::EVENT_TYPE_NEW_BLOCK),
            std::vector<std::uint64_t>{runs[1][0].offset});
}

// What never reached the disk is still served from memory: a durable module unloaded while the
// journal is held, and loaded again, catches up on every event published meanwhile, each once,
// with no gap reported (the journal keeps its recent events in memory, docs/design.md "Durable
// modules"). Not one of them reached the disk: each is in a commit that failed, still queued
// behind it, or found the queue full and became an Overflow hole (no attached durable module
// holds such a publish back).
TEST_F(JournalRoomTest, ADurableModuleCatchesUpFromMemoryOnWhatTheStoreRefusedToWrite) {
  ASSERT_NO_FATAL_FAILURE(startTheNode());
  ASSERT_TRUE(node.publish(newBlock(1), 10).has_publish());
  expectHandled(10);
  ASSERT_NO_FATAL_FAILURE(holdTheJournal());
  ASSERT_EQ(runCtl(node, "unload d").exitCode, 0) << node.log();

  const v1::ControlResponse answer = node.publish(newBlock(2), 40);
  ASSERT_TRUE(answer.has_publish()) << answer.DebugString();
  const std::uint64_t published = answer.publish().published();
  EXPECT_EQ(published, 40u) << answer.DebugString();
  ASSERT_TRUE(waitFor([&] { return !node.journal().writing(); })) << "the writes failed";
  ASSERT_EQ(runCtl(node, "load d").exitCode, 0) << node.log();
  expectHandled(10 + published);

  const auto runs = handledRuns(report);
  ASSERT_EQ(runs.size(), 2u) << readFile(report);
  ASSERT_EQ(runs[1].size(), published) << readFile(report);
  for (std::uint64_t i = 0; i < published; ++i) {
    EXPECT_EQ(runs[1][i].offset, 11 + i);
    EXPECT_EQ(runs[1][i].droppedBefore, 0u) << "offset " << runs[1][i].offset;
    EXPECT_EQ(runs[1][i].flags, kReplayed) << "offset " << runs[1][i].offset;
  }
  const v1::JournalResponse journal = node.journal();
  EXPECT_LE(journal.committed_through(), 10u) << journal.DebugString();
  EXPECT_GE(journal.failed_offsets(), 1u) << journal.DebugString();
}

}  // namespace
}  // namespace plexus::test
