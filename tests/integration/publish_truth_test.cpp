// Publishes answered truthfully under faults (issue 10, items 1 and 2): an answer reaches only
// the publisher incarnation that asked, and a block publish succeeds only when every block
// subscriber took the event.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "hostile_report.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// The report lines after the first one starting with `marker`.
std::vector<std::string> linesAfter(const std::filesystem::path& report,
                                    const std::string& marker) {
  std::vector<std::string> out;
  bool seen = false;
  for (auto& line : readLines(report)) {
    if (seen) out.push_back(line);
    if (line.rfind(marker, 0) == 0) seen = true;
  }
  return out;
}

// A block-policy probe with room for one event, whose handler takes `delayMs` per event.
ModuleSpec slowBlockSubscriber(const std::string& name, const std::filesystem::path& report,
                               int delayMs) {
  ModuleSpec spec{
      name, {}, {"--report", report.string(), "--types", "NewBlock", "--delay-ms",
                 std::to_string(delayMs)}};
  spec.capacity = 1;
  spec.policy = "DELIVERY_POLICY_BLOCK";
  return spec;
}

// Item 2: the publisher is killed and restarted while its publish waits for a slow block
// subscriber. The answer to the old incarnation's publish must not reach the new incarnation
// (whose correlation ids start over), and must not get it killed as "connection lost".
TEST(PublishTruthTest, AnAnswerNeverReachesALaterIncarnationOfThePublisher) {
  TempDir dir;
  const auto slowReport = dir / "slow.report";
  const auto publisherReport = dir / "publisher.report";
  const auto go = dir / "go";
  ModuleSpec publisher{"publisher",
                       hostileBinary().string(),
                       {"--report", publisherReport.string(), "--types", "PeerConnected", "--do",
                        "hello,subscribe,publish:NewBlock", "--only-incarnation", "1",
                        "--wait-file", go.string()}};
  publisher.restart = "RESTART_POLICY_ALWAYS";
  publisher.extra = "  capabilities { publish: [EVENT_TYPE_NEW_BLOCK] }\n";
  TestNode node(slowBlockSubscriber("slow", slowReport, 5000).text() + publisher.text(),
                "  block_timeout_ms: 60000\n  restart_backoff_initial_ms: 50\n");
  node.start();
  ASSERT_TRUE(node.waitForState("slow", v1::MODULE_STATE_READY)) << node.log();

  // The slow subscriber's only slot is taken for 5 s: the publisher's event has to wait.
  ASSERT_TRUE(node.publish(newBlock(1)).has_publish());
  ASSERT_TRUE(waitFor([&] { return reportHas(slowReport, "event E 1 "); }));
  std::ofstream(go.string()) << "go\n";
  ASSERT_TRUE(waitFor([&] { return node.stats("slow")->blocked() == 1; })) << node.log();
  const auto first = *node.module("publisher");
  ASSERT_EQ(first.incarnation(), 1u);
  ASSERT_EQ(::kill(first.pid(), SIGKILL), 0);
  ASSERT_TRUE(waitFor([&] {
    auto info = node.module("publisher");
    return info->incarnation() == 2 && info->state() == v1::MODULE_STATE_READY;
  })) << node.log();

  // The old publish resolves once the subscriber makes room (its second event arrives).
  ASSERT_TRUE(waitFor([&] { return reportHas(slowReport, "event E 2 "); }, 30s))
      << readFile(slowReport) << node.log();
  // A later event to the new incarnation: anything sent to it before arrived before this.
  v1::Event barrier = peerConnected("barrier");
  ASSERT_TRUE(node.publish(barrier).has_publish());
  ASSERT_TRUE(waitFor([&] { return reportHas(publisherReport, "PeerConnected operator"); }))
      << readFile(publisherReport) << node.log();

  for (const auto& line : linesAfter(publisherReport, "handshake-ack 2 ")) {
    EXPECT_NE(line.rfind("response ", 0), 0u) << "stale answer: " << line;
    EXPECT_NE(line.rfind("error ", 0), 0u) << "stale answer: " << line;
  }
  auto info = *node.module("publisher");
  EXPECT_EQ(info.incarnation(), 2u);
  EXPECT_EQ(info.restarts(), 1u);
  EXPECT_EQ(info.state(), v1::MODULE_STATE_READY);
  EXPECT_THAT(node.log(), Not(HasSubstr("connection lost")));
}

}  // namespace
}  // namespace plexus::test
