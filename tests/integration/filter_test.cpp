// Content filters end to end (docs/filters.md), with the real node, real modules (the SDK's
// Module::on(type, handler, filter)) and the real plexusctl: a filter from the SDK, one from the
// configuration narrowing it, a refused filter (that type only; the module stays), `filtered` in
// the statistics with both invariants holding, `subscribers` showing filters, and `tail --filter`.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <string>
#include <vector>

#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

v1::Event transaction(std::uint64_t fee) {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_NEW_TRANSACTION);
  event.mutable_new_transaction()->set_txid("tx" + std::to_string(fee));
  event.mutable_new_transaction()->set_size(250);
  event.mutable_new_transaction()->set_fee(fee);
  return event;
}

ModuleSpec filterModule(const std::string& id, const std::filesystem::path& report,
                        const std::vector<std::string>& on) {
  ModuleSpec spec(id, (binDir() / "plexus-test-filter").string(), {"--report", report.string()});
  for (const auto& handler : on) {
    spec.args.emplace_back("--on");
    spec.args.push_back(handler);
  }
  return spec;
}

// The fees of the NewTransaction events that reached the module's handler, in order.
std::vector<std::uint64_t> feesOf(const std::filesystem::path& report) {
  std::vector<std::uint64_t> fees;
  for (const auto& line : reportLines(report, "event NewTransaction ")) {
    fees.push_back(std::stoull(line.substr(std::string("event NewTransaction ").size())));
  }
  return fees;
}

const std::vector<std::uint64_t> kFees{10, 1000, 5, 2000, 999, 7000, 1500};

void publishFees(TestNode& node) {
  for (std::uint64_t fee : kFees)
    ASSERT_TRUE(node.publish(transaction(fee)).has_publish()) << node.log();
}

TEST(FilterTest, AnSdkFilterDeliversOnlyMatchesWhichTakeNoSequenceNumberOrSlot) {
  TempDir scratch;
  const auto fees = scratch / "fees.report", all = scratch / "all.report";
  ModuleSpec filtered = filterModule("fees", fees, {"NewTransaction=fee >= 1000", "NewBlock"});
  // Seven transactions, four match, and a block: five slots hold all that is routed even if the
  // module handled none yet, so the misses must take no slot (else something drops).
  filtered.capacity = 5;
  TestNode node(filtered.text() + filterModule("all", all, {"NewTransaction"}).text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  publishFees(node);
  ASSERT_TRUE(node.publish(newBlock(1)).has_publish());

  ASSERT_TRUE(waitFor([&] { return feesOf(all).size() == kFees.size(); })) << readFile(all);
  ASSERT_TRUE(waitFor([&] { return reportHas(fees, "event NewBlock 1 "); })) << readFile(fees);
  EXPECT_EQ(feesOf(fees), (std::vector<std::uint64_t>{1000, 2000, 7000, 1500}));
  // Sequence numbers count only what was routed: no gaps, nothing dropped.
  const auto lines = reportLines(fees, "event ");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_THAT(lines[i], HasSubstr(" seq=" + std::to_string(i + 1) + " dropped_before=0"));
  }
  ASSERT_TRUE(drainAndCheckInvariants(node)) << node.log();
  const auto stats = *node.stats("fees");
  EXPECT_EQ(stats.filtered(), 3u);
  EXPECT_EQ(stats.routed(), 5u);  // four matching transactions and the block
  EXPECT_EQ(stats.channel_full(), 0u);
  EXPECT_EQ(node.stats("all")->filtered(), 0u);
  EXPECT_EQ(node.stats("all")->routed(), kFees.size());

  const auto subscribers = runCtl(node, "subscribers NewTransaction");
  ASSERT_EQ(subscribers.exitCode, 0) << subscribers.out;
  EXPECT_THAT(subscribers.out, HasSubstr("  fees  filter: fee >= 1000\n"));
  EXPECT_THAT(subscribers.out, HasSubstr("  all\n"));
  const auto table = runCtl(node, "stats fees");
  EXPECT_THAT(table.out, HasSubstr("FILTERED"));
}

TEST(FilterTest, TheConfigurationNarrowsTheModulesFilterAndNeverWidensIt) {
  TempDir scratch;
  const auto report = scratch / "narrow.report";
  ModuleSpec narrowed = filterModule("narrow", report, {"NewTransaction=fee >= 1000"});
  narrowed.extra =
      "  subscriptions { type: EVENT_TYPE_NEW_TRANSACTION filter: \"fee < 5000\" }\n"
      // A filter for a type the module does not ask for subscribes nothing.
      "  subscriptions { type: EVENT_TYPE_NEW_BLOCK filter: \"height > 0\" }\n";
  TestNode node(narrowed.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  publishFees(node);
  ASSERT_TRUE(node.publish(newBlock(9)).has_publish());
  ASSERT_TRUE(drainAndCheckInvariants(node)) << node.log();
  ASSERT_TRUE(waitFor([&] { return feesOf(report).size() == 3; })) << readFile(report);
  EXPECT_EQ(feesOf(report), (std::vector<std::uint64_t>{1000, 2000, 1500}));
  EXPECT_FALSE(reportHas(report, "event NewBlock")) << readFile(report);
  EXPECT_EQ(node.stats("narrow")->filtered(), 4u);
  const auto subscribers = runCtl(node, "subscribers NewTransaction");
  EXPECT_THAT(subscribers.out, HasSubstr("  narrow  filter: (fee < 5000) and (fee >= 1000)\n"));
  EXPECT_THAT(runCtl(node, "subscribers NewBlock").out, HasSubstr("no subscribers"));
}

TEST(FilterTest, ABadFilterRefusesItsTypeOnlyAndTheModuleStaysReady) {
  TempDir scratch;
  const auto report = scratch / "typo.report";
  TestNode node(filterModule("typo", report, {"NewTransaction=fe >= 1000", "NewBlock"}).text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  // The node says which type and why, with the column; so does the SDK, on the module's stderr.
  ASSERT_TRUE(waitFor([&] {
    return node.log().find(
               "plexus-sdk: module 'typo': subscription refused: NewTransaction: "
               "column 1:") != std::string::npos;
  })) << node.log();
  EXPECT_THAT(node.log(),
              HasSubstr("module 'typo': subscription to NewTransaction refused: column 1:"));
  EXPECT_THAT(node.log(), HasSubstr("'fe'"));
  publishFees(node);
  ASSERT_TRUE(node.publish(newBlock(3)).has_publish());
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "event NewBlock 3 "); })) << readFile(report);
  EXPECT_TRUE(feesOf(report).empty());
  EXPECT_THAT(runCtl(node, "subscribers NewTransaction").out, HasSubstr("no subscribers"));
  const auto info = *node.module("typo");
  EXPECT_EQ(info.state(), v1::MODULE_STATE_READY);
  EXPECT_EQ(info.restarts(), 0u);
  EXPECT_EQ(node.stats("typo")->rejected(), 1u);
  EXPECT_FALSE(reportHas(report, "exit ")) << "run() goes on";
}

TEST(FilterTest, TailFilterAppliesToEveryTypeGivenAndIsCheckedAgainstEach) {
  TestNode node("");
  node.start();
  auto tail = std::async(std::launch::async, [&] {
    return runCtl(node, "tail --type NewTransaction --filter 'fee >= 2000' --count 2");
  });
  ASSERT_TRUE(waitFor([&] { return node.log().find("tail session tail:") != std::string::npos; }))
      << node.log();
  publishFees(node);
  ASSERT_EQ(tail.wait_for(30s), std::future_status::ready) << node.log();
  const auto streamed = tail.get();
  EXPECT_EQ(streamed.exitCode, 0) << streamed.out;
  EXPECT_EQ(countLines(streamed.out, "\"fee\""), 2u) << streamed.out;
  EXPECT_THAT(streamed.out, HasSubstr("\"fee\":\"2000\""));
  EXPECT_THAT(streamed.out, HasSubstr("\"fee\":\"7000\""));

  // Checked against each type given: NewBlock has no fee.
  const auto wrong =
      runCtl(node, "tail --type NewTransaction --type NewBlock --filter 'fee > 1'", true);
  EXPECT_EQ(wrong.exitCode, 1) << wrong.out;
  EXPECT_THAT(wrong.out, HasSubstr("tail --filter: NewBlock: column 1:"));
  const auto lifecycle = runCtl(node, "tail --type ModuleLoaded --filter 'source == \"x\"'", true);
  EXPECT_EQ(lifecycle.exitCode, 1) << lifecycle.out;
  EXPECT_THAT(lifecycle.out, HasSubstr("lifecycle event and takes no filter"));
  const auto untyped = runCtl(node, "tail --filter 'fee > 1'", true);
  EXPECT_EQ(untyped.exitCode, 2) << untyped.out;
  EXPECT_THAT(untyped.out, HasSubstr("--filter needs the event types it applies to"));
  EXPECT_TRUE(node.running());
}

}  // namespace
}  // namespace plexus::test
