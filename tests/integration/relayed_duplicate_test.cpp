// Relayed duplicates in the real node (docs/design.md "Relayed duplicates"): a relay module
// (plexus-test-probe with capabilities.relay) publishing the same (origin node, offset) twice
// gets `duplicate` the second time and a subscriber sees the event once; after a clean restart
// the node restores what it took from its journal's tail, so the same publishes are all
// duplicates. /metrics counts them (plexus_relayed_duplicates_total), and `plexusctl status`.

#include <gtest/gtest.h>

#include <string>

#include "http_get.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

class RelayedDuplicateTest : public ::testing::Test {
 protected:
  // relay: on the first PeerConnected, publishes 6 NewBlocks of origin node "far", offsets
  // 1, 2, 3, 1, 2, 3; sink: subscribes to NewBlock.
  std::string config() const {
    ModuleSpec relay("relay", {},
                     {"--report", relayReport.string(), "--types", "PeerConnected", "--publish",
                      "NewBlock:6", "--publish-on", "PeerConnected", "--relay-from", "far:3"});
    relay.extra = "  capabilities { publish: [EVENT_TYPE_NEW_BLOCK] relay: true }\n";
    ModuleSpec sink("sink", {}, {"--report", sinkReport.string(), "--types", "NewBlock"});
    return relay.text() + sink.text() + "metrics_listen: \"127.0.0.1:" + std::to_string(port) +
           "\"\n";
  }

  // Starts the relay's publishes and waits for its `total` answers so far.
  void relayPublishes(TestNode& node, std::size_t total) {
    ASSERT_TRUE(node.waitAllReady()) << node.log();
    ASSERT_TRUE(node.publish(peerConnected("peer-1")).has_publish());
    ASSERT_TRUE(waitFor([&] { return reportLines(relayReport, "publish ").size() >= total; }))
        << readFile(relayReport) << node.log();
  }

  // The sink's NewBlocks from the relay, once the operator's marker (published after every
  // relayed answer, so delivered after them) arrived.
  std::size_t relayedAtSink(TestNode& node, std::uint64_t marker) {
    EXPECT_TRUE(node.publish(newBlock(marker)).has_publish());
    EXPECT_TRUE(waitFor([&] {
      for (const auto& e : probeEvents(sinkReport))
        if (e.source == "operator" && e.detail.find(std::to_string(marker)) != std::string::npos)
          return true;
      return false;
    })) << readFile(sinkReport);
    std::size_t relayed = 0;
    for (const auto& e : probeEvents(sinkReport))
      relayed += e.source == "relay" ? 1 : 0;
    return relayed;
  }

  // The node's /metrics sample `name` (no labels), or "" when absent.
  std::string metric(const std::string& name) const {
    const std::string body = httpGet(port, "/metrics").body;
    const std::string prefix = "\n" + name + " ";
    const auto at = body.find(prefix);
    if (at == std::string::npos) return "";
    const auto start = at + prefix.size();
    return body.substr(start, body.find('\n', start) - start);
  }

  std::uint16_t port = freeLoopbackPort();
  TempDir dir{"pxrd"};
  std::filesystem::path relayReport = dir / "relay";
  std::filesystem::path sinkReport = dir / "sink";
};

TEST_F(RelayedDuplicateTest, TheSameOriginOffsetTwiceIsADuplicateAndDeliveredOnce) {
  TestNode node(config());
  node.start();
  relayPublishes(node, 6);
  const std::vector<std::string> expected = {"publish ok 1",      "publish ok 1",
                                             "publish ok 1",      "publish duplicate",
                                             "publish duplicate", "publish duplicate"};
  EXPECT_EQ(reportLines(relayReport, "publish "), expected) << node.log();
  EXPECT_EQ(relayedAtSink(node, 1000), 3u);
  EXPECT_NE(node.log().find("again: a duplicate, not routed"), std::string::npos) << node.log();
  EXPECT_EQ(metric("plexus_relayed_duplicates_total"), "3");
  const CtlRun status = runCtl(node, "status");
  EXPECT_EQ(status.exitCode, 0);
  EXPECT_NE(status.out.find("(relayed duplicates not routed again: 3)"), std::string::npos)
      << status.out;
}

TEST_F(RelayedDuplicateTest, AfterARestartTheJournalKeepsThemDuplicates) {
  TestNode node(config());
  node.start();
  relayPublishes(node, 6);
  EXPECT_EQ(relayedAtSink(node, 1000), 3u);
  ASSERT_TRUE(node.stop().has_value());
  node.start();  // the same journal
  relayPublishes(node, 12);
  const auto answers = reportLines(relayReport, "publish ");
  ASSERT_EQ(answers.size(), 12u);
  for (std::size_t i = 6; i < 12; ++i)
    EXPECT_EQ(answers[i], "publish duplicate") << i << "\n" << node.log();
  EXPECT_EQ(relayedAtSink(node, 1001), 3u) << "nothing relayed again after the restart";
  EXPECT_NE(node.log().find("3 relayed events among the last 65536 offsets"), std::string::npos)
      << node.log();
}

}  // namespace
}  // namespace plexus::test
