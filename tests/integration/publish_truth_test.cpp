// Publishes answered truthfully under faults (issue 10, items 1 and 2): an answer reaches only
// the publisher incarnation that asked, and a block publish succeeds only when every block
// subscriber took the event.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <future>

#include "hostile_report.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;
using ::testing::AnyOf;
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
      name,
      {},
      {"--report", report.string(), "--types", "NewBlock", "--delay-ms", std::to_string(delayMs)}};
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
  ModuleSpec publisher{
      "publisher",
      hostileBinary().string(),
      {"--report", publisherReport.string(), "--types", "PeerConnected", "--do",
       "hello,subscribe,publish:NewBlock", "--only-incarnation", "1", "--wait-file", go.string()}};
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

// Item 1: a block subscriber is reloaded while a module's publish waits for it, and while the
// operator publishes. Both publishers are told the truth: the SDK's publish() returns an error
// that carries the node's answer (who did not take the event, and why), and plexusctl prints the
// counts and exits 1. Once the subscriber is back, publishing succeeds again.
TEST(PublishTruthTest, APublishWaitingForAReloadedBlockSubscriberIsAnsweredAsNotDelivered) {
  TempDir dir;
  const auto slowReport = dir / "slow.report";
  const auto publisherReport = dir / "publisher.report";
  ModuleSpec publisher{"publisher",
                       {},
                       {"--report", publisherReport.string(), "--types", "PeerConnected",
                        "--publish", "NewBlock:1", "--publish-on", "PeerConnected"}};
  publisher.extra = "  capabilities { publish: [EVENT_TYPE_NEW_BLOCK] }\n";
  TestNode node(slowBlockSubscriber("slow", slowReport, 4000).text() + publisher.text(),
                "  block_timeout_ms: 60000\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();

  ASSERT_TRUE(node.publish(newBlock(1)).has_publish());  // the slow module is busy for 4 s
  ASSERT_TRUE(waitFor([&] { return reportHas(slowReport, "event E 1 "); }));
  ASSERT_TRUE(node.publish(peerConnected("go")).has_publish());  // the module publishes
  ASSERT_TRUE(waitFor([&] { return node.stats("slow")->blocked() == 1; })) << node.log();

  auto reload = std::async(std::launch::async, [&] { return runCtl(node, "reload slow", true); });
  ASSERT_TRUE(waitFor([&] { return !reportLines(publisherReport, "publish ").empty(); }))
      << node.log();
  const auto answer = reportLines(publisherReport, "publish ")[0];
  EXPECT_EQ(answer,
            "publish ERROR_CODE_UNAVAILABLE 1 block-policy subscriber(s) did not take the event: "
            "slow (stopping)");
  const auto detail = reportLines(publisherReport, "publish-answer ");
  ASSERT_EQ(detail.size(), 1u) << readFile(publisherReport);
  EXPECT_EQ(detail[0],
            "publish-answer subscribers=1 accepted=0 dropped=0 failed=1 timed_out=0 "
            "missed=slow:MISS_REASON_STOPPING;");

  // The operator's publish meanwhile: the module is still stopping (its handler runs for 4 s),
  // or already between incarnations.
  auto during = runCtl(node, "publish NewBlock --payload '{\"height\":7}'", true);
  EXPECT_EQ(during.exitCode, 1) << during.out;
  EXPECT_THAT(during.out, HasSubstr("published 1 of 1 event(s) of NewBlock: delivered to 0 "
                                    "module(s); accepted 0, dropped 0, failed 1, timed out 0\n"));
  EXPECT_THAT(during.out, AnyOf(HasSubstr("slow (stopping)"), HasSubstr("slow (restarting)")))
      << during.out;

  auto reloaded = reload.get();
  ASSERT_EQ(reloaded.exitCode, 0) << reloaded.out << node.log();
  auto after = runCtl(node, "publish NewBlock --payload '{\"height\":8}'", true);
  EXPECT_EQ(after.exitCode, 0) << after.out;
  EXPECT_EQ(after.out,
            "published 1 event(s) of NewBlock: delivered to 1 module(s); accepted 1, dropped 0, "
            "failed 0, timed out 0\n");
  auto stats = *node.stats("slow");
  EXPECT_EQ(stats.failed(), 2u) << stats.DebugString();
  expectInvariants(stats);
}

// Item 1, between incarnations: a crashed block subscriber waits out its restart backoff. Its
// events count as failed for it and the publisher is told ("restarting"), rather than the
// module being skipped silently; once its next incarnation subscribed, it takes them again.
TEST(PublishTruthTest, ABlockSubscriberBetweenIncarnationsIsReportedAsRestarting) {
  TempDir dir;
  const auto report = dir / "slow.report";
  ModuleSpec slow = slowBlockSubscriber("slow", report, 0);
  slow.restart = "RESTART_POLICY_ALWAYS";
  TestNode node(slow.text(), "  restart_backoff_initial_ms: 3000\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  const auto first = *node.module("slow");
  ASSERT_EQ(::kill(first.pid(), SIGKILL), 0);
  ASSERT_TRUE(waitFor([&] { return node.module("slow")->pid() == 0; })) << node.log();

  auto during = runCtl(node, "publish NewBlock --count 3", true);
  EXPECT_EQ(during.exitCode, 1) << during.out;
  EXPECT_EQ(during.out,
            "published 1 of 3 event(s) of NewBlock: delivered to 0 module(s); accepted 0, "
            "dropped 0, failed 1, timed out 0\n"
            "event 1 was not taken by every block-policy subscriber: slow (restarting)\n");

  ASSERT_TRUE(waitFor([&] {
    auto info = node.module("slow");
    return info->incarnation() == 2 && info->state() == v1::MODULE_STATE_READY;
  })) << node.log();
  auto after = runCtl(node, "publish NewBlock", true);
  EXPECT_EQ(after.exitCode, 0) << after.out;
  EXPECT_THAT(after.out, HasSubstr("delivered to 1 module(s); accepted 1,"));
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "event E 1 "); })) << readFile(report);
  auto stats = *node.stats("slow");
  EXPECT_EQ(stats.failed(), 1u) << stats.DebugString();
  expectInvariants(stats);
}

}  // namespace
}  // namespace plexus::test
