// Delivery with the real node and real module processes: lossless fan-out to block-policy
// modules, and a drop-policy slowpoke under a burst next to a module that must not notice.

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

TEST(FanOutTest, TenThousandEventsReachEveryBlockModuleInPublishOrderWithoutGaps) {
  TempDir scratch;
  const std::uint64_t count = 10000;
  const std::vector<std::string> ids = {"lossless-a", "lossless-b", "lossless-c"};
  std::string config;
  for (const auto& id : ids) {
    ModuleSpec spec{id, {}, {"--report", (scratch / (id + ".report")).string()}};
    spec.policy = "DELIVERY_POLICY_BLOCK";
    spec.capacity = 100;
    config += spec.text();
  }
  // The source publishes heights 1..count once the test says go (a PeerConnected event).
  ModuleSpec source{"source",
                    {},
                    {"--report", (scratch / "source.report").string(), "--types", "PeerConnected",
                     "--publish", "NewBlock:10000", "--publish-on", "PeerConnected"}};
  source.extra = "  capabilities { publish: [EVENT_TYPE_NEW_BLOCK] }\n";
  TestNode node(config + source.text(), "  block_timeout_ms: 10000\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  v1::Event go;
  go.set_type(v1::EVENT_TYPE_PEER_CONNECTED);
  go.mutable_peer_connected()->set_peer_id("go");
  ASSERT_TRUE(node.publish(go).has_publish());

  for (const auto& id : ids) {
    SCOPED_TRACE(id);
    const auto report = scratch / (id + ".report");
    ASSERT_TRUE(waitFor([&] { return probeEvents(report).size() == count; }, 120s))
        << probeEvents(report).size() << "\n"
        << node.log();
    auto events = probeEvents(report);
    for (std::uint64_t i = 0; i < count; ++i) {
      ASSERT_EQ(events[i].seq, i + 1) << "at index " << i;
      ASSERT_EQ(events[i].droppedBefore, 0u) << "at index " << i;
      ASSERT_EQ(events[i].detail, std::to_string(i + 1)) << "publish order, at index " << i;
      ASSERT_EQ(events[i].source, "source") << "the node stamps the source";
    }
    ASSERT_TRUE(waitFor([&] { return node.stats(id)->acked() == count; }));
    auto stats = *node.stats(id);
    EXPECT_EQ(stats.routed(), count);
    EXPECT_EQ(stats.successful(), count);
    EXPECT_EQ(stats.channel_full(), 0u);
    EXPECT_EQ(stats.failed(), 0u);
    EXPECT_EQ(stats.lost(), 0u);
    EXPECT_LE(stats.max_held(), 100u);
    expectInvariants(stats);
  }
  auto sourceLines = readLines(scratch / "source.report");
  EXPECT_EQ(std::count(sourceLines.begin(), sourceLines.end(), "publish ok 3"),
            static_cast<long>(count));
}

TEST(FanOutTest, ASlowDropModuleLosesEventsExactlyAndNobodyElseNotices) {
  TempDir scratch;
  const auto slowOut = scratch / "slowpoke.out";
  const auto fastReport = scratch / "fast.report";
  ModuleSpec slowpoke{"slowpoke", (binDir() / "plexus-slowpoke").string()};
  slowpoke.capacity = 100;
  slowpoke.settings = {{"delay_ms", "2"}, {"types", "NewBlock"}, {"out", slowOut.string()}};
  ModuleSpec fast{"fast", {}, {"--report", fastReport.string()}};
  fast.policy = "DELIVERY_POLICY_BLOCK";
  fast.capacity = 100;
  TestNode node(slowpoke.text() + fast.text(), "  block_timeout_ms: 10000\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();

  const std::uint64_t burst = 3000;
  auto reply = node.publish(newBlock(1), burst);
  ASSERT_TRUE(reply.has_publish()) << reply.DebugString();
  EXPECT_GT(reply.publish().dropped(), 0u) << "the burst must overrun slowpoke";

  // The other module got everything, in order.
  ASSERT_TRUE(waitFor([&] { return probeEvents(fastReport).size() == burst; }, 60s));
  auto fastEvents = probeEvents(fastReport);
  for (std::uint64_t i = 0; i < burst; ++i) {
    ASSERT_EQ(fastEvents[i].seq, i + 1);
    ASSERT_EQ(fastEvents[i].droppedBefore, 0u);
  }
  EXPECT_EQ(node.stats("fast")->channel_full(), 0u);

  // Let slowpoke drain, then one marker event reports the trailing gap in its dropped_before.
  ASSERT_TRUE(waitFor([&] { return node.stats("slowpoke")->in_flight() == 0; }, 60s));
  reply = node.publish(newBlock(2));
  ASSERT_TRUE(reply.has_publish());
  ASSERT_TRUE(waitFor(
      [&] { return node.stats("slowpoke")->acked() == node.stats("slowpoke")->successful(); },
      30s));
  auto stats = *node.stats("slowpoke");
  expectInvariants(stats);
  EXPECT_EQ(stats.routed(), burst + 1);
  EXPECT_GT(stats.channel_full(), 0u);
  EXPECT_EQ(stats.max_held(), 100u) << "never above capacity, and the burst filled it";

  std::uint64_t previous = 0, droppedSeen = 0, delivered = 0;
  for (const auto& line : readLines(slowOut)) {
    std::uint64_t seq = 0, dropped = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "%lu %lu", &seq, &dropped), 2) << line;
    ASSERT_EQ(seq, previous + 1 + dropped) << "gap must equal dropped_before";
    previous = seq;
    droppedSeen += dropped;
    ++delivered;
  }
  EXPECT_EQ(previous, burst + 1) << "the marker is the last event";
  EXPECT_EQ(delivered, stats.successful());
  EXPECT_EQ(droppedSeen, stats.channel_full()) << "every drop counted exactly once";
}

}  // namespace
}  // namespace plexus::test
