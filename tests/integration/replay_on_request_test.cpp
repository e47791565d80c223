// Replay on request in the real node (issue 13; docs/design.md "Replay on request"), with the
// replayer module (tests/support/replay_module.cpp) over real sockets: a slow drop-policy module
// whose channel overflows learns of each gap from dropped_before and asks for the missing
// offsets; with what came live and what came on its replay lane it has every event, each once.

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_node.h"

namespace plexus::test {
namespace {

struct Received {
  char lane = 0;
  std::uint64_t seq = 0;
  std::uint64_t droppedBefore = 0;
  std::uint64_t offset = 0;
  std::uint32_t flags = 0;
};

// The replayer's "event <lane> <seq> <dropped_before> <offset> <flags>" lines.
std::vector<Received> receivedBy(const std::filesystem::path& report) {
  std::vector<Received> out;
  for (const auto& line : readLines(report)) {
    std::istringstream in(line);
    std::string word;
    Received event;
    if (!(in >> word) || word != "event") continue;
    if (in >> event.lane >> event.seq >> event.droppedBefore >> event.offset >> event.flags)
      out.push_back(event);
  }
  return out;
}

std::size_t linesStarting(const std::filesystem::path& report, const std::string& prefix) {
  std::size_t count = 0;
  for (const auto& line : readLines(report))
    count += line.rfind(prefix, 0) == 0 ? 1 : 0;
  return count;
}

TEST(ReplayOnRequestTest, ADropPolicyModuleFillsItsGapsWithReplays) {
  TempDir dir;
  const auto report = dir / "replayer.report";
  ModuleSpec spec("filler", (binDir() / "plexus-test-replayer").string(),
                  {"--report", report.string(), "--delay-ms", "1"});
  spec.capacity = 8;
  TestNode node(spec.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const std::uint64_t total = 1500;
  ASSERT_TRUE(node.publish(newBlock(1), total).has_publish());
  // The burst drops events for it (its channel holds 8); once it has handled what it holds, one
  // more event shows it the gap at the burst's end, if there is one.
  ASSERT_TRUE(waitFor([&] {
    const auto stats = node.stats("filler");
    return stats && stats->queued() == 0 && stats->in_flight() == 0;
  })) << node.log();
  const auto afterBurst = node.stats("filler");
  ASSERT_TRUE(afterBurst);
  ASSERT_GT(afterBurst->channel_full(), 0u) << "the test needs a gap to fill";
  ASSERT_TRUE(node.publish(newBlock(2)).has_publish());

  // Every NewBlock offset, each once: live on E, or replayed on R.
  auto distinct = [&] {
    std::set<std::uint64_t> offsets;
    for (const auto& event : receivedBy(report))
      if (event.lane == 'E' || event.lane == 'R') offsets.insert(event.offset);
    return offsets;
  };
  ASSERT_TRUE(waitFor([&] { return distinct().size() >= total + 1; }, std::chrono::seconds(60)))
      << distinct().size() << " of " << total + 1 << "\n"
      << node.log();
  const auto received = receivedBy(report);
  std::map<std::uint64_t, int> times;
  std::uint64_t lastReplaySeq = 0;
  std::uint64_t replayed = 0;
  for (const auto& event : received) {
    if (event.lane != 'E' && event.lane != 'R') continue;
    ++times[event.offset];
    if (event.lane == 'R') {
      ++replayed;
      EXPECT_EQ(event.flags, v1::EVENT_FLAG_REPLAYED) << "offset " << event.offset;
      EXPECT_EQ(event.seq, lastReplaySeq + 1) << "the replay lane's own sequence, no gap";
      EXPECT_EQ(event.droppedBefore, 0u);
      lastReplaySeq = event.seq;
    } else {
      EXPECT_EQ(event.flags, 0u) << "live: offset " << event.offset;
    }
  }
  for (const auto& [offset, count] : times)
    EXPECT_EQ(count, 1) << "offset " << offset << " received " << count << " times";
  EXPECT_EQ(replayed, afterBurst->channel_full()) << "exactly what was dropped came again";
  // Offsets are consecutive (NewBlock is the only journaled type published here).
  EXPECT_EQ(times.rbegin()->first - times.begin()->first + 1, times.size());
  EXPECT_GT(linesStarting(report, "replay-end "), 0u) << readFile(report);
  EXPECT_EQ(linesStarting(report, "replay-error "), 0u) << readFile(report);

  const auto stats = node.stats("filler");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->replayed(), replayed);
  EXPECT_EQ(stats->journal_holes(), 0u);
  bool sawReplayLane = false;
  for (const auto& lane : stats->lanes()) {
    if (lane.lane() != v1::LANE_REPLAY) continue;
    sawReplayLane = true;
    EXPECT_EQ(lane.routed(), replayed);
    EXPECT_EQ(lane.channel_full(), 0u);
    EXPECT_EQ(lane.capacity(), 4u);
  }
  EXPECT_TRUE(sawReplayLane);
  EXPECT_TRUE(drainAndCheckInvariants(node));
}

}  // namespace
}  // namespace plexus::test
