// Publishes that wait for room in the journal, in the real node (docs/design.md "Durable modules",
// back-pressure): another writer of journal.sqlite holds its write lock (JournalWriteLock), so
// the node's journal thread stalls in each commit and its queue (16 events) fills. An operator
// event of a type a durable module subscribes to then waits for room, and past block_timeout_ms
// the node has published nothing of it: plexusctl reports it not published (exit 1,
// `unpublished` 1, the durable module named), the durable module got exactly the events that were
// published, and once the lock is gone the same publish goes through again.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <string>

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
};

TEST_F(JournalRoomTest, AnOperatorEventTheJournalHadNoRoomForIsReportedUnpublished) {
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  JournalWriteLock lock(journalDir / "journal.sqlite");
  ASSERT_TRUE(lock.held()) << lock.error();

  // 40 events, one after another: the journal thread takes the first ones into a commit that
  // waits on the lock, the next 16 fill its queue, and the one after waits for room in vain.
  const CtlRun stalled = runCtl(node, "publish NewBlock --count 40");
  EXPECT_EQ(stalled.exitCode, 1) << stalled.out;
  std::smatch counts;
  ASSERT_TRUE(std::regex_search(stalled.out, counts,
                                std::regex("published ([0-9]+) of 40 event\\(s\\) of NewBlock")))
      << stalled.out;
  const std::size_t published = std::stoul(counts[1]);
  EXPECT_GE(published, 16u) << "at least a queue's worth was taken";
  EXPECT_LT(published, 40u);
  EXPECT_THAT(
      stalled.out,
      HasSubstr("event " + std::to_string(published + 1) +
                " was not published: the journal made no room for it within the block "
                "timeout (durable subscriber(s): d (timed out)); nothing was journaled or routed, "
                "publish it again"));
  expectHandled(published);

  lock.release();
  const CtlRun again = runCtl(node, "publish NewBlock --json");
  EXPECT_EQ(again.exitCode, 0) << again.out << node.log();
  EXPECT_THAT(again.out, HasSubstr("\"published\":1")) << again.out;
  EXPECT_THAT(again.out, HasSubstr("\"unpublished\":0")) << again.out;
  expectHandled(published + 1);
}

TEST_F(JournalRoomTest, ItsJsonAnswerCountsTheEventAsUnpublished) {
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  JournalWriteLock lock(journalDir / "journal.sqlite");
  ASSERT_TRUE(lock.held()) << lock.error();

  const CtlRun stalled = runCtl(node, "publish NewBlock --count 40 --json");
  EXPECT_EQ(stalled.exitCode, 1) << stalled.out;
  EXPECT_THAT(stalled.out, HasSubstr("\"requested\":40")) << stalled.out;
  EXPECT_THAT(stalled.out, HasSubstr("\"unpublished\":1")) << stalled.out;
  EXPECT_THAT(stalled.out, HasSubstr("\"module_id\":\"d\"")) << stalled.out;
  EXPECT_THAT(stalled.out, HasSubstr("MISS_REASON_TIMED_OUT")) << stalled.out;
}

}  // namespace
}  // namespace plexus::test
