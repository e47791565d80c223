// The node SIGKILLed in the middle of heavy journaling with durable modules attached (issue 13,
// "Failure behaviour"; docs/design.md "Journal store" and "Durable modules"). An operator
// publish (plexusctl, in the background) and a module publisher push NewBlock as fast as the
// journal takes them to two durable probes with small channels (one block policy, one drop
// policy), and the node is killed once tens of thousands are committed, each module has handled
// some hundreds, and the journal thread still has events queued. Then:
// - the journal, read back with its own SQLite reader, is consistent: SQLite's integrity check,
//   offsets strictly increasing, every offset up to the last one written an event or inside a
//   recorded hole, no torn body, every saved cursor (and delivered mark) at most the last durable
//   offset, and every event up to a module's cursor handled by that module (acked means handled);
// - the node restarted on it records the unwritten reservation as its Crash hole, its cursors
//   (`plexusctl cursors`) stay at or below the last offset and never move back; each durable
//   module gets, in its new run, every journaled event above its saved cursor - the ones before
//   the crash and a few published after - in offset order, each once; a gap (dropped_before)
//   exactly where a recorded hole lies; every event its killed run handled (and every one up to
//   its saved delivered mark) flagged redelivered, none that was not stored at the kill; none
//   without an offset.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "journal_snapshot.h"
#include "probe_runs.h"
#include "spawned_process.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kNewBlock = static_cast<std::int32_t>(v1::EVENT_TYPE_NEW_BLOCK);
const std::vector<std::string> kDurable = {"blocking", "dropping"};

std::string durableProbe(const std::string& name, const std::filesystem::path& report,
                         const std::string& policy) {
  ModuleSpec spec(name, {}, {"--report", report.string(), "--report-offsets"});
  spec.capacity = 64;
  spec.policy = policy;
  spec.extra = "durable: true\n";
  return spec.text();
}

// Publishes NewBlock without end once it gets a PeerConnected (which only the first run sends).
std::string publisherProbe(const std::filesystem::path& report) {
  ModuleSpec spec("publisher", {},
                  {"--report", report.string(), "--types", "PeerConnected", "--publish",
                   "NewBlock:100000000", "--publish-on", "PeerConnected"});
  spec.extra = "  capabilities { publish: [EVENT_TYPE_NEW_BLOCK] }\n";
  return spec.text();
}

// The deliveries around run[i], for a failure's message.
std::string around(const HandledRun& run, std::size_t i) {
  std::string out;
  for (std::size_t k = i < 5 ? 0 : i - 5; k < std::min(run.size(), i + 6); ++k) {
    out += (k == i ? "[" : "") + std::to_string(run[k].offset) + "/seq " +
           std::to_string(run[k].seq) + "/flags " + std::to_string(run[k].flags) +
           (k == i ? "] " : " ");
  }
  return out;
}

// "N offset(s): a..b c ..." (consecutive offsets as ranges, the first ten ranges).
std::string listed(const std::vector<std::uint64_t>& offsets) {
  std::string out = std::to_string(offsets.size()) + " offset(s):";
  std::size_t ranges = 0;
  for (std::size_t i = 0; i < offsets.size() && ranges < 10; ++ranges) {
    std::size_t j = i;
    while (j + 1 < offsets.size() && offsets[j + 1] == offsets[j] + 1)
      ++j;
    out += " " + std::to_string(offsets[i]) +
           (j > i ? ".." + std::to_string(offsets[j]) : std::string());
    i = j + 1;
  }
  return out;
}

HandledRun journaledOnly(const HandledRun& run) {
  HandledRun out;
  std::copy_if(run.begin(), run.end(), std::back_inserter(out),
               [](const HandledEvent& e) { return e.offset != 0; });
  return out;
}

class DurableCrashTest : public ::testing::Test {
 protected:
  std::filesystem::path report(const std::string& module) const {
    return dir / (module + ".report");
  }
  std::filesystem::path journalFile() const { return node.journalDir() / "journal.sqlite"; }

  // Until the node is killed: heavy journaling, then SIGKILL while the writer has work queued.
  void journalHeavilyAndKill();
  // After the restart: what `module` handled in its new run, against the journal.
  void expectResumedExactly(const std::string& module, const JournalSnapshot& atCrash,
                            const JournalSnapshot& after);

  TempDir dir;
  TestNode node{durableProbe("blocking", dir / "blocking.report", "DELIVERY_POLICY_BLOCK") +
                durableProbe("dropping", dir / "dropping.report", "DELIVERY_POLICY_DROP") +
                publisherProbe(dir / "publisher.report")};
};

void DurableCrashTest::journalHeavilyAndKill() {
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  SpawnedProcess operatorPublish({ctlBinary().string(), "--runtime-dir", node.runtimeDir().string(),
                                  "publish", "NewBlock", "--payload",
                                  R"({"height": 7, "hash": "00ab"})", "--count", "100000000"});
  ASSERT_TRUE(operatorPublish.started());
  ASSERT_TRUE(node.publish(peerConnected("go")).has_publish());  // the module publisher starts
  // Heavy journaling: tens of thousands committed, hundreds handled by each durable module
  // (catching up behind the publishers, a module gets about a channel's worth per group commit),
  // and the journal thread busy (events queued) at the moment the node is killed.
  std::uint64_t committed = 0;
  std::size_t modulesBusy = 0;  // those that handled hundreds already: counted once
  const bool busy = waitFor(
      [&] {
        for (; modulesBusy < kDurable.size(); ++modulesBusy) {
          if (handledOffsets(report(kDurable[modulesBusy])) < 200) return false;
        }
        const v1::JournalResponse journal = node.journal();
        committed = journal.committed_through();
        return committed >= 30000 && journal.queued() > 0 && operatorPublish.running();
      },
      15s, 5ms);
  ASSERT_TRUE(busy) << "committed through " << committed << "\n" << node.log();
  std::vector<pid_t> modulePids;
  for (const auto& info : node.modules())
    modulePids.push_back(static_cast<pid_t>(info.pid()));
  node.stop(SIGKILL);
  operatorPublish.kill();
  // Its modules die with it (PR_SET_PDEATHSIG): none may write its report into the next run.
  ASSERT_TRUE(waitFor([&] {
    return std::none_of(modulePids.begin(), modulePids.end(),
                        [](pid_t pid) { return pid > 0 && processAlive(pid); });
  }));
}

void DurableCrashTest::expectResumedExactly(const std::string& module,
                                            const JournalSnapshot& atCrash,
                                            const JournalSnapshot& after) {
  SCOPED_TRACE("module " + module);
  const auto runs = handledRuns(report(module));
  ASSERT_EQ(runs.size(), 2u) << "one run before the kill, one after the restart";
  // A journaled type reaches a durable module from the journal, in offset order: never without
  // an offset (an event the journal lacks could not come again after a crash).
  for (std::size_t run = 0; run < runs.size(); ++run) {
    const auto unjournaled = std::count_if(runs[run].begin(), runs[run].end(),
                                           [](const HandledEvent& e) { return e.offset == 0; });
    EXPECT_EQ(unjournaled, 0) << "run " << run << ": NewBlock events delivered without an offset";
  }
  const HandledRun killed = journaledOnly(runs[0]);
  const HandledRun resumed = journaledOnly(runs[1]);
  const auto saved = atCrash.cursor(module);
  ASSERT_TRUE(saved.has_value());

  // The killed run: offsets strictly increasing, nothing flagged redelivered (its first run),
  // nothing above the reservation; acked means handled: every event up to its cursor.
  std::set<std::uint64_t> handledBefore;
  for (std::size_t i = 0; i < killed.size(); ++i) {
    ASSERT_TRUE(i == 0 || killed[i].offset > killed[i - 1].offset)
        << "at " << i << ": " << around(killed, i);
    EXPECT_EQ(killed[i].flags & kRedelivered, 0u) << "offset " << killed[i].offset;
    ASSERT_LE(killed[i].offset, atCrash.reservedThrough);
    handledBefore.insert(killed[i].offset);
  }
  for (const std::uint64_t offset : atCrash.offsetsOf(kNewBlock)) {
    if (offset > saved->cursor) break;
    ASSERT_TRUE(handledBefore.count(offset))
        << "acked through " << saved->cursor << " but offset " << offset << " never handled";
  }

  // The new run: exactly the journaled events above the saved cursor, in order, each once.
  const std::vector<std::uint64_t> expected = after.offsetsOf(kNewBlock, saved->cursor);
  std::vector<std::uint64_t> got;
  for (const auto& handled : resumed)
    got.push_back(handled.offset);
  ASSERT_EQ(got.size(), expected.size()) << "saved cursor " << saved->cursor;
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_EQ(got[i], expected[i]) << "at " << i << " (saved cursor " << saved->cursor << ")";

  // Each kind of wrong delivery, by offset, so a failure says how many and where.
  std::vector<std::uint64_t> gapWithoutHole, holeWithoutGap, flaggedWrongly, againUnflagged, lost;
  std::uint64_t previous = saved->cursor;
  for (const auto& handled : resumed) {
    // A recorded hole crossed is a gap the module sees (dropped_before); none without a hole.
    const bool hole = after.holeBetween(previous, handled.offset);
    if (hole && handled.droppedBefore == 0) holeWithoutGap.push_back(handled.offset);
    if (!hole && handled.droppedBefore > 0) gapWithoutHole.push_back(handled.offset);
    // Flagged redelivered when the killed run was sent it (the saved delivered mark says it was)
    // and always when that run handled it; never when the killed run cannot have been sent it
    // (not stored when it was killed).
    const bool redelivered = (handled.flags & kRedelivered) != 0;
    if (redelivered ? handled.offset > atCrash.lastOffset
                    : handled.offset <= saved->deliveredThrough)
      flaggedWrongly.push_back(handled.offset);
    if (!redelivered && handledBefore.count(handled.offset))
      againUnflagged.push_back(handled.offset);
    previous = handled.offset;
  }
  // Nothing handled before the kill is lost: each was acked (at or below the cursor) or comes
  // again, unless the crash took it from the journal (delivered live, never committed).
  for (const std::uint64_t offset : handledBefore) {
    if (offset > saved->cursor && offset <= atCrash.lastOffset &&
        !std::binary_search(expected.begin(), expected.end(), offset))
      lost.push_back(offset);
  }
  const std::string marks = " (saved cursor " + std::to_string(saved->cursor) +
                            ", delivered mark " + std::to_string(saved->deliveredThrough) + ")";
  EXPECT_TRUE(holeWithoutGap.empty())
      << "a hole before, dropped_before 0: " << listed(holeWithoutGap);
  EXPECT_TRUE(gapWithoutHole.empty()) << "dropped_before, no hole: " << listed(gapWithoutHole);
  EXPECT_TRUE(flaggedWrongly.empty())
      << "flagged redelivered above the crash, or not up to the delivered mark: "
      << listed(flaggedWrongly) << marks;
  EXPECT_TRUE(againUnflagged.empty())
      << "handled by the killed run, delivered again not flagged redelivered: "
      << listed(againUnflagged) << marks;
  EXPECT_TRUE(lost.empty()) << "handled, not acked, stored, never delivered again: " << listed(lost)
                            << marks;
}

TEST_F(DurableCrashTest, ANodeKilledMidHeavyJournalingLeavesAConsistentJournalAndLosesNothing) {
  ASSERT_NO_FATAL_FAILURE(journalHeavilyAndKill());

  const JournalSnapshot atCrash = readJournalSnapshot(journalFile());
  ASSERT_NO_FATAL_FAILURE(expectConsistentJournal(atCrash));
  EXPECT_GE(atCrash.lastOffset, 30000u);
  std::set<std::string> sources;  // both publishers were journaling
  for (const auto& row : atCrash.events) {
    v1::Event event;
    if (event.ParseFromString(row.body)) sources.insert(event.source());
  }
  EXPECT_EQ(sources, (std::set<std::string>{"operator", "publisher"}));
  for (const auto& module : kDurable)
    ASSERT_TRUE(atCrash.cursor(module).has_value()) << module;

  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const v1::JournalResponse journal = node.journal();
  if (atCrash.reservedThrough > atCrash.lastOffset) {
    EXPECT_EQ(journal.crash_hole_first(), atCrash.lastOffset + 1);
    EXPECT_EQ(journal.crash_hole_last(), atCrash.reservedThrough);
  }
  EXPECT_EQ(journal.next_offset(), atCrash.reservedThrough + 1)
      << "never an offset of the killed run";
  // Cursors stay at or below the last offset and never move back (plexusctl cursors).
  const auto checkCursors = [&] {
    const v1::CursorsResponse cursors = node.cursors();
    EXPECT_EQ(cursors.cursors_size(), 2);
    for (const auto& cursor : cursors.cursors()) {
      EXPECT_LE(cursor.cursor(), cursors.last_offset()) << cursor.module_id();
      EXPECT_GE(cursor.cursor(), atCrash.cursor(cursor.module_id())->cursor) << cursor.module_id();
    }
  };
  checkCursors();
  const CtlRun ctl = runCtl(node, "cursors", true);
  EXPECT_EQ(ctl.exitCode, 0) << ctl.out;
  for (const auto& module : kDurable)
    EXPECT_NE(ctl.out.find(module), std::string::npos) << ctl.out;

  // A few more after the restart: both modules catch up through them, then stay live.
  ASSERT_TRUE(node.publish(newBlock(8), 10).has_publish());
  const std::uint64_t last = node.journal().next_offset() - 1;
  // Both acked everything (a module reports an event before it acks it).
  ASSERT_TRUE(waitFor(
      [&] {
        const v1::CursorsResponse cursors = node.cursors();
        return cursors.cursors_size() == 2 &&
               std::all_of(cursors.cursors().begin(), cursors.cursors().end(),
                           [&](const v1::CursorInfo& cursor) { return cursor.cursor() == last; });
      },
      20s, 20ms))
      << node.log();
  checkCursors();
  for (const auto& module : kDurable) {
    const auto stats = node.stats(module);
    ASSERT_TRUE(stats.has_value());
    EXPECT_EQ(stats->channel_full(), 0u) << module;
  }
  EXPECT_TRUE(drainAndCheckInvariants(node));
  const auto status = node.stop(SIGTERM);
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << node.log();

  // After a clean stop: consistent, the killed run's reservation a recorded hole, and each
  // module's new run exactly what the journal holds above its saved cursor.
  const JournalSnapshot after = readJournalSnapshot(journalFile());
  ASSERT_NO_FATAL_FAILURE(expectConsistentJournal(after));
  EXPECT_EQ(after.lastOffset, last);
  if (atCrash.reservedThrough > atCrash.lastOffset) {
    const host::Hole crash{atCrash.lastOffset + 1, atCrash.reservedThrough,
                           host::Hole::Reason::Crash};
    EXPECT_NE(std::find(after.holes.begin(), after.holes.end(), crash), after.holes.end());
  }
  for (const auto& module : kDurable)
    expectResumedExactly(module, atCrash, after);
}

}  // namespace
}  // namespace plexus::test
