// The journal in the real node (issue 13, stage 2): journaled events reach modules with their
// node-wide offsets, which continue after a clean restart with no hole; a SIGKILLed node reopens
// its journal consistent, its reserved and unwritten offsets a recorded Crash hole, never
// reused; a full journal records what it could not write and delivery goes on; the journal is
// the node's alone; a journal that cannot start stops the node at start. The store is read back
// with the journal's own SQLite reader.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "journal/journal_store.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// The probe's "offset E <seq> <offset>" lines (--report-offsets), in report order, by type.
struct Delivered {
  std::string type;
  std::uint64_t offset = 0;
};
std::vector<Delivered> deliveredOffsets(const std::filesystem::path& report) {
  std::vector<Delivered> out;
  std::string type;
  for (const auto& line : readLines(report)) {
    std::istringstream in(line);
    std::string word, lane, seq, dropped;
    in >> word;
    if (word == "event") {
      in >> lane >> seq >> dropped >> type;
    } else if (word == "offset") {
      Delivered d;
      d.type = type;
      if (in >> lane >> seq >> d.offset) out.push_back(d);
    }
  }
  return out;
}

std::vector<std::uint64_t> offsetsOf(const std::vector<Delivered>& delivered,
                                     const std::string& type) {
  std::vector<std::uint64_t> out;
  for (const auto& d : delivered)
    if (d.type == type) out.push_back(d.offset);
  return out;
}

std::string probeModule(const std::filesystem::path& report) {
  return ModuleSpec(
             "journaled", {},
             {"--report", report.string(), "--report-offsets", "--types", "NewBlock,PeerConnected"})
      .text();
}

std::string journalAt(const std::filesystem::path& dir, const std::string& extra = {}) {
  return "journal {\n  path: \"" + dir.string() + "\"\n" + extra + "}\n";
}

// Every offset in [1, through] is stored as an event or lies in a recorded hole, and none is
// both.
void expectEveryOffsetAccountedFor(host::JournalStore& store, std::uint64_t through) {
  std::map<std::uint64_t, int> seen;
  const auto events = store.read(1, through, 10'000'000);  // the Result outlives the loops
  const auto holes = store.holes(1, through);
  ASSERT_TRUE(events.ok() && holes.ok());
  for (const auto& event : *events)
    ++seen[event.offset];
  for (const auto& hole : *holes) {
    for (std::uint64_t offset = hole.first; offset <= std::min(hole.last, through); ++offset)
      ++seen[offset];
  }
  for (std::uint64_t offset = 1; offset <= through; ++offset)
    ASSERT_EQ(seen[offset], 1) << "offset " << offset;
}

// A node journaling into dir/journal, its probe reporting offsets to `report`.
class JournalOffsetsTest : public ::testing::Test {
 protected:
  // Starts the node and waits until it is ready, publishes five NewBlocks (offsets 1..5) and
  // waits until the probe has reported them.
  void startAndPublishFiveBlocks() {
    node.start();
    ASSERT_TRUE(node.waitAllReady()) << node.log();
    ASSERT_TRUE(node.publish(newBlock(1), 5).has_publish());
    ASSERT_TRUE(waitFor([&] {
      return offsetsOf(deliveredOffsets(report), "NewBlock").size() == 5;
    })) << node.log();
  }

  TempDir dir;
  const std::filesystem::path report = dir / "probe.report";
  TestNode node{probeModule(report) + journalAt(dir / "journal")};
};

TEST_F(JournalOffsetsTest, JournaledEventsCarryOffsetsThatContinueAfterACleanRestart) {
  ASSERT_NO_FATAL_FAILURE(startAndPublishFiveBlocks());
  ASSERT_TRUE(node.publish(peerConnected("peer-1")).has_publish());  // not journaled
  ASSERT_TRUE(waitFor([&] { return deliveredOffsets(report).size() == 6; })) << node.log();
  auto delivered = deliveredOffsets(report);
  EXPECT_EQ(offsetsOf(delivered, "NewBlock"), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(offsetsOf(delivered, "PeerConnected"), (std::vector<std::uint64_t>{0}));

  v1::JournalResponse journal = node.journal();
  EXPECT_TRUE(journal.enabled());
  EXPECT_EQ(journal.directory(), (dir / "journal").string());
  EXPECT_THAT(journal.types(), ::testing::Contains(v1::EVENT_TYPE_NEW_BLOCK));
  EXPECT_THAT(journal.types(), ::testing::Not(::testing::Contains(v1::EVENT_TYPE_PEER_CONNECTED)));
  EXPECT_EQ(journal.next_offset(), 6u);
  EXPECT_EQ(journal.journaled(), 5u);
  EXPECT_EQ(journal.crash_hole_first(), 0u);
  EXPECT_TRUE(waitFor([&] { return node.journal().committed_through() == 5; }));

  auto status = node.stop(SIGTERM);
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << node.log();
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  EXPECT_EQ(node.journal().crash_hole_first(), 0u) << "a clean stop leaves no hole";
  ASSERT_TRUE(node.publish(newBlock(2), 3).has_publish());
  ASSERT_TRUE(waitFor([&] { return deliveredOffsets(report).size() == 9; })) << node.log();
  delivered = deliveredOffsets(report);
  EXPECT_EQ(offsetsOf(delivered, "NewBlock"), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  status = node.stop(SIGTERM);
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << node.log();

  auto store = host::makeSqliteJournal(dir / "journal" / "journal.sqlite");
  const auto events = store->read(1, 100, 100).value();
  ASSERT_EQ(events.size(), 8u);
  for (std::size_t i = 0; i < events.size(); ++i) {
    v1::Event event;
    ASSERT_TRUE(event.ParseFromString(events[i].body));
    EXPECT_EQ(events[i].offset, i + 1);
    EXPECT_EQ(event.type(), v1::EVENT_TYPE_NEW_BLOCK);
    EXPECT_EQ(event.new_block().height(), i < 5 ? 1u : 2u);
    EXPECT_EQ(event.source(), "operator");
  }
  EXPECT_TRUE(store->holes(1, 100).value().empty());
}

TEST_F(JournalOffsetsTest, ASigkilledNodeReopensConsistentAndItsReservationBecomesAHole) {
  ASSERT_NO_FATAL_FAILURE(startAndPublishFiveBlocks());
  ASSERT_TRUE(waitFor([&] { return node.journal().committed_through() == 5; }));
  const std::uint64_t reserved = node.journal().reserved_through();
  ASSERT_GT(reserved, 5u);
  node.stop(SIGKILL);

  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const v1::JournalResponse journal = node.journal();
  EXPECT_EQ(journal.crash_hole_first(), 6u);
  EXPECT_EQ(journal.crash_hole_last(), reserved);
  EXPECT_THAT(node.log(),
              HasSubstr("stopped without writing offsets 6.." + std::to_string(reserved)));
  ASSERT_TRUE(node.publish(newBlock(2)).has_publish());
  ASSERT_TRUE(waitFor([&] { return offsetsOf(deliveredOffsets(report), "NewBlock").size() == 6; }))
      << node.log();
  EXPECT_EQ(offsetsOf(deliveredOffsets(report), "NewBlock").back(), reserved + 1)
      << "never an offset of the killed run";
  auto status = node.stop(SIGTERM);
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << node.log();

  auto store = host::makeSqliteJournal(dir / "journal" / "journal.sqlite");
  expectEveryOffsetAccountedFor(*store, reserved + 1);
  const auto holes = store->holes(1, reserved + 1).value();
  ASSERT_EQ(holes.size(), 1u);
  EXPECT_EQ(holes[0], (host::Hole{6, reserved, host::Hole::Reason::Crash}));
}

TEST(JournalTest, AFullJournalRecordsWhatItCouldNotWriteAndDeliveryGoesOn) {
  TempDir dir;
  const auto report = dir / "probe.report";
  TestNode node(probeModule(report) + journalAt(dir / "journal", "  max_file_bytes: 1048576\n"));
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  v1::Event big = newBlock(7);
  big.mutable_new_block()->set_hash(std::string(8000, 'a'));
  std::uint64_t published = 0;
  // 1 MiB holds about a hundred of these: the journal fills within a few rounds.
  for (int round = 0; round < 40 && node.journal().failures() == 0; ++round) {
    ASSERT_TRUE(node.publish(big, 20).has_publish());
    published += 20;
    // The round written (or failed) and handled: the drop-policy probe never holds more than a
    // round, so a loaded machine cannot make its channel overflow.
    waitFor(
        [&] {
          return node.journal().queued() == 0 && deliveredOffsets(report).size() == published;
        },
        10s);
  }
  const v1::JournalResponse journal = node.journal();
  ASSERT_GT(journal.failures(), 0u) << "the journal never filled";
  EXPECT_GT(journal.failed_offsets(), 0u);
  EXPECT_THAT(node.log(), HasSubstr("journal write failed"));
  EXPECT_THAT(node.log(), HasSubstr("full"));
  // Delivery does not depend on the disk: every event reached the module, with its offset.
  ASSERT_TRUE(waitFor([&] { return deliveredOffsets(report).size() == published; })) << node.log();
  const auto offsets = offsetsOf(deliveredOffsets(report), "NewBlock");
  for (std::size_t i = 0; i < offsets.size(); ++i)
    ASSERT_EQ(offsets[i], i + 1);
  auto status = node.stop(SIGTERM);
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << node.log();

  // Every offset handed out is an event or a recorded hole (WriteFailed, written with a later
  // group, or Crash, recorded by the next start for what was still pending at the stop), and
  // the next start continues above all of them.
  TestNode again(journalAt(dir / "journal"));
  again.start();
  EXPECT_GT(again.journal().next_offset(), published);
  again.stop(SIGTERM);
  auto store = host::makeSqliteJournal(dir / "journal" / "journal.sqlite");
  expectEveryOffsetAccountedFor(*store, published);
  std::uint64_t unwritten = 0;
  const auto holes = store->holes(1, published);
  ASSERT_TRUE(holes.ok());
  for (const auto& hole : *holes) {
    EXPECT_NE(hole.reason, host::Hole::Reason::Overflow);
    unwritten += hole.size();
  }
  EXPECT_GE(unwritten, journal.failed_offsets());
}

// Runs a node with `configBody` (its config and runtime dir in `dir`, named for `name`) until it
// exits - killed after 30 s - and returns its exit code and what it wrote.
CtlRun runNodeUntilExit(const TempDir& dir, const std::string& name,
                        const std::string& configBody) {
  const auto config = dir / (name + ".cfg");
  std::ofstream(config) << configBody;
  return runCommand("timeout -s KILL 30 " + nodeBinary().string() + " --config " + config.string() +
                    " --runtime-dir " + (dir / (name + "-run")).string() + " 2>&1");
}

TEST(JournalTest, ASecondNodeOnTheSameJournalIsRefusedAtStart) {
  TempDir dir;
  TestNode first(journalAt(dir / "journal"));
  first.start();
  const CtlRun second = runNodeUntilExit(dir, "second", journalAt(dir / "journal"));
  EXPECT_EQ(second.exitCode, 1) << second.out;
  EXPECT_THAT(second.out, HasSubstr("journal " + (dir / "journal").string() +
                                    " is in use by another plexus-node (pid " +
                                    std::to_string(first.pid()) + ")"));
  EXPECT_TRUE(first.running());
  EXPECT_EQ(first.journal().directory(), (dir / "journal").string());
}

// A journal that cannot start stops the node at start, with status 1 and the path in the
// message: here journal.path is a regular file.
TEST(JournalTest, AJournalPathThatIsAFileStopsTheNodeAtStart) {
  TempDir dir;
  std::ofstream(dir / "journal") << "not a directory\n";
  const CtlRun node = runNodeUntilExit(dir, "node", journalAt(dir / "journal"));
  EXPECT_EQ(node.exitCode, 1) << node.out;
  EXPECT_THAT(node.out, HasSubstr("cannot run: journal directory " + (dir / "journal").string()))
      << node.out;
  EXPECT_EQ(readFile(dir / "journal"), "not a directory\n") << "the file is left as it was";
}

// The same when journal.sqlite is not a journal (a foreign or corrupt file): status 1, the
// file named, and the file left as it was.
TEST(JournalTest, AForeignJournalFileStopsTheNodeAtStart) {
  TempDir dir;
  std::filesystem::create_directories(dir / "journal");
  const std::string foreign(4096, 'x');
  std::ofstream(dir / "journal" / "journal.sqlite") << foreign;
  const CtlRun node = runNodeUntilExit(dir, "node", journalAt(dir / "journal"));
  EXPECT_EQ(node.exitCode, 1) << node.out;
  EXPECT_THAT(node.out,
              HasSubstr("cannot run: journal " + (dir / "journal" / "journal.sqlite").string()))
      << node.out;
  EXPECT_EQ(readFile(dir / "journal" / "journal.sqlite"), foreign);
}

}  // namespace
}  // namespace plexus::test
