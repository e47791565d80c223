// Wire compatibility with the real node and real SDK modules (docs/design.md, "Protocol
// versions"): the node serves every minor of its major, each at the minor the module asked for,
// and a module newer than the node at the node's minor; another major is refused with an error
// naming both versions, and the node stays up serving the others.
//
// kServedMinors is the harness later wire changes reuse: a minor bump must add a row (the
// static_assert says so) with what a module of that minor is sent, and the test checks each
// row against a real module that claims it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "plexus/ipc/protocol.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// What a module that negotiated `minor` is served beyond the handshake, subscription, events,
// publish and stats every minor has.
struct ServedMinor {
  std::uint32_t minor;
  // Since 1.1 (ipc::kMinorPublishAnswer): a publish answer counts accepted, failed and
  // timed_out and names the block subscribers that missed the event; before, only subscribers
  // and dropped.
  bool countsEveryOutcome;
  // Since 1.2 (ipc::kMinorFilters): content filters in the Subscribe. Before, the SDK does not
  // subscribe a type whose handler has a filter, and says why.
  bool filters;
  // Since 1.3 (ipc::kMinorLanes): critical-priority events on LANE_CRITICAL, acks naming their
  // lane, per-lane stats. Before, critical events arrive on the event lane (no overtaking,
  // nothing lost).
  bool criticalLane;
  // Since 1.4 (ipc::kMinorOffsets): journal offsets in EventMeta.offset (Delivery::offset()).
  // Before, none is sent. Events the node does not journal carry none at any minor.
  bool offsets;
  // Since 1.5 (ipc::kMinorReplay): replay on request: HandshakeAck.replay_capacity (the node
  // journals), Request.replay, LANE_REPLAY, ReplayEnd. Before, the handshake offers none.
  bool replay;
};
constexpr std::array kServedMinors{
    ServedMinor{0, false, false, false, false, false},  // 1.0
    ServedMinor{1, true, false, false, false, false},   // 1.1
    ServedMinor{2, true, true, false, false, false},    // 1.2
    ServedMinor{3, true, true, true, false, false},     // 1.3
    ServedMinor{4, true, true, true, true, false},      // 1.4
    ServedMinor{5, true, true, true, true, true},       // 1.5
    // 1.6 (ipc::kMinorUnpublished) adds to the control API only (the operator publish answer's
    // `unpublished`): a module is served as at 1.5.
    ServedMinor{6, true, true, true, true, true},  // 1.6
};
static_assert(kServedMinors.size() == ipc::kProtocolMinor + 1,
              "a protocol minor bump adds its row to kServedMinors");
static_assert(kServedMinors[ipc::kMinorOffsets].offsets &&
              !kServedMinors[ipc::kMinorOffsets - 1].offsets);
static_assert(kServedMinors[ipc::kMinorReplay].replay &&
              !kServedMinors[ipc::kMinorReplay - 1].replay);

// A module claiming protocol `claimed`, expected to be served as `served`.
struct Client {
  std::string id;
  std::uint32_t claimed;
  ServedMinor served;
};

std::vector<Client> clients() {
  std::vector<Client> out;
  for (const auto& row : kServedMinors) {
    EXPECT_EQ(row.minor, out.size()) << "one row per minor, in order";
    out.push_back({"minor-" + std::to_string(row.minor), row.minor, row});
  }
  // Newer than the node: served at the node's minor.
  out.push_back({"newer", ipc::kProtocolMinor + 1, kServedMinors.back()});
  return out;
}

std::string version(std::uint32_t major, std::uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

// Subscribes to NewBlock and ModuleLoaded; once the operator's NewBlock arrives, publishes one
// NewBlock (reporting the node's whole answer), then asks for its stats.
ModuleSpec versionedProbe(const std::string& id, std::uint32_t major, std::uint32_t minor,
                          const std::filesystem::path& report) {
  ModuleSpec spec{id,
                  {},
                  {"--report", report.string(), "--protocol", version(major, minor), "--types",
                   "NewBlock,ModuleLoaded", "--publish", "NewBlock:1", "--publish-on", "NewBlock",
                   "--report-answers", "--report-offsets"}};
  spec.extra = "  capabilities { publish: [EVENT_TYPE_NEW_BLOCK] }\n";
  return spec;
}

TEST(WireCompatTest, EveryMinorOfTheMajorIsServedFullyAtItsOwnMinor) {
  TempDir scratch;
  const auto all = clients();
  std::string config;
  for (const auto& client : all)
    config += versionedProbe(client.id, ipc::kProtocolMajor, client.claimed,
                             scratch / (client.id + ".report"))
                  .text();
  TestNode node(config);
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  ASSERT_TRUE(node.publish(newBlock(7)).has_publish());

  const auto subscribers = std::to_string(all.size());  // every probe takes NewBlock
  for (const auto& client : all) {
    SCOPED_TRACE(client.id + " claiming " + version(ipc::kProtocolMajor, client.claimed));
    const auto report = scratch / (client.id + ".report");
    ASSERT_TRUE(waitFor([&] { return !reportLines(report, "stats ").empty(); }))
        << readFile(report) << node.log();
    EXPECT_EQ(
        reportLines(report, "protocol "),
        std::vector<std::string>{"protocol " + version(ipc::kProtocolMajor, client.served.minor)});
    // Replay on request: the node journals, so from 1.5 the handshake offers a replay lane of
    // half the (default) capacity.
    EXPECT_EQ(reportLines(report, "replay-capacity "),
              client.served.replay ? std::vector<std::string>{"replay-capacity 50"}
                                   : std::vector<std::string>{});
    // The node's own event (the lifecycle replay names the module itself) and the operator's.
    const auto lifecycle = probeEvents(report, 'L');
    EXPECT_TRUE(std::any_of(lifecycle.begin(), lifecycle.end(), [&](const ProbeEvent& e) {
      return e.type == "ModuleLoaded" && e.source == "host" && e.detail == client.id + "#1";
    })) << readFile(report);
    const auto events = probeEvents(report);
    EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const ProbeEvent& e) {
      return e.source == "operator" && e.detail == "7";
    })) << readFile(report);
    // Its publish, answered as its minor answers.
    EXPECT_EQ(reportLines(report, "publish "),
              std::vector<std::string>{"publish ok " + subscribers});
    std::string answer = "publish-answer subscribers=" + subscribers;
    answer += " accepted=";
    answer += client.served.countsEveryOutcome ? subscribers : "0";
    answer += " dropped=0 failed=0 timed_out=0 missed=";
    EXPECT_EQ(reportLines(report, "publish-answer "), std::vector<std::string>{answer});
    // Journal offsets: the node journals NewBlock (its default journal); a module at 1.4 or
    // later gets each one's offset, an older one none (the field is never sent to it:
    // module_server_minor_test.cpp); lifecycle events are never journaled.
    const auto offsets = reportLines(report, "offset ");
    EXPECT_FALSE(offsets.empty()) << readFile(report);
    for (const auto& line : offsets) {
      const bool journaled = line.rfind("offset E ", 0) == 0 && client.served.offsets;
      EXPECT_EQ(line.substr(line.rfind(' ')) != " 0", journaled) << line;
    }
    // Stats: the node counts what it routed there.
    const auto stats = reportLines(report, "stats ");
    ASSERT_EQ(stats.size(), 1u);
    EXPECT_NE(stats[0].rfind("stats 0 ", 0), 0u) << stats[0];
  }
  // Every module's publish reached every module, whatever minor either side speaks.
  for (const auto& client : all) {
    SCOPED_TRACE(client.id);
    const auto report = scratch / (client.id + ".report");
    ASSERT_TRUE(waitFor([&] {
      const auto events = probeEvents(report);
      return std::count_if(events.begin(), events.end(), [](const ProbeEvent& e) {
               return e.source != "operator";
             }) == static_cast<long>(all.size());
    })) << readFile(report);
  }
  ASSERT_TRUE(drainAndCheckInvariants(node)) << node.log();
  for (const auto& client : all) {
    SCOPED_TRACE(client.id);
    const auto info = *node.module(client.id);
    EXPECT_EQ(info.state(), v1::MODULE_STATE_READY);
    EXPECT_EQ(info.health(), v1::HEALTH_HEALTHY);
    EXPECT_EQ(info.restarts(), 0u);
    EXPECT_EQ(node.stats(client.id)->rejected(), 0u);
  }
}

// A handler with a filter, at each minor: honoured from 1.2; before, the SDK leaves that type
// out of its Subscribe (the node would refuse filters whole) and says so, and the rest works.
TEST(WireCompatTest, FiltersAreHonouredFromTheirMinorAndLeftOutBefore) {
  TempDir scratch;
  const auto all = clients();
  std::string config;
  for (const auto& client : all) {
    ModuleSpec spec(client.id, (binDir() / "plexus-test-filter").string(),
                    {"--report", (scratch / (client.id + ".report")).string(), "--protocol",
                     version(ipc::kProtocolMajor, client.claimed), "--on",
                     "NewTransaction=fee >= 1000", "--on", "NewBlock"});
    config += spec.text();
  }
  TestNode node(config);
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  for (std::uint64_t fee : {5, 1000, 10, 2000}) {
    v1::Event tx;
    tx.set_type(v1::EVENT_TYPE_NEW_TRANSACTION);
    tx.mutable_new_transaction()->set_fee(fee);
    ASSERT_TRUE(node.publish(tx).has_publish());
  }
  ASSERT_TRUE(node.publish(newBlock(8)).has_publish());
  for (const auto& client : all) {
    SCOPED_TRACE(client.id + " claiming " + version(ipc::kProtocolMajor, client.claimed));
    const auto report = scratch / (client.id + ".report");
    ASSERT_TRUE(waitFor([&] { return reportHas(report, "event NewBlock 8 "); }))
        << readFile(report) << node.log();
    std::vector<std::string> fees;
    for (const auto& line : reportLines(report, "event NewTransaction "))
      fees.push_back(line.substr(0, line.find(" seq=")));
    if (client.served.filters) {
      EXPECT_EQ(fees, (std::vector<std::string>{"event NewTransaction 1000",
                                                "event NewTransaction 2000"}));
    } else {
      EXPECT_TRUE(fees.empty()) << readFile(report);
      EXPECT_THAT(node.log(), HasSubstr("module '" + client.id +
                                        "': subscription to NewTransaction refused: its filter "
                                        "needs protocol 1.2, the connection negotiated 1." +
                                        std::to_string(client.served.minor)));
    }
    EXPECT_EQ(node.stats(client.id)->rejected(), 0u);
  }
  ASSERT_TRUE(drainAndCheckInvariants(node)) << node.log();
}

// A critical event (ChainReorg) at each minor: on LANE_CRITICAL with its own sequence from 1.3;
// before, on the event lane after what was published before it, nothing lost; the module acks
// what it got either way (nothing stays in flight) and the node counts it on the right lane.
TEST(WireCompatTest, CriticalEventsTakeTheCriticalLaneFromItsMinorAndTheEventLaneBefore) {
  TempDir scratch;
  const auto all = clients();
  std::string config;
  for (const auto& client : all) {
    ModuleSpec spec(client.id, (binDir() / "plexus-test-lanes").string(),
                    {"--report", (scratch / (client.id + ".report")).string(), "--protocol",
                     version(ipc::kProtocolMajor, client.claimed)});
    config += spec.text();
  }
  TestNode node(config);
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  ASSERT_TRUE(node.publish(newBlock(3), 2).has_publish());
  v1::Event reorg;
  reorg.set_type(v1::EVENT_TYPE_CHAIN_REORG);
  reorg.mutable_chain_reorg()->set_fork_height(3);
  ASSERT_TRUE(node.publish(reorg).has_publish());
  ASSERT_TRUE(drainAndCheckInvariants(node)) << node.log();
  for (const auto& client : all) {
    SCOPED_TRACE(client.id + " claiming " + version(ipc::kProtocolMajor, client.claimed));
    const auto report = scratch / (client.id + ".report");
    ASSERT_TRUE(waitFor([&] { return reportHas(report, "event ChainReorg 3 "); }))
        << readFile(report) << node.log();
    const std::string expected = client.served.criticalLane
                                     ? "event ChainReorg 3 lane=critical seq=1 dropped_before=0"
                                     : "event ChainReorg 3 lane=event seq=3 dropped_before=0";
    EXPECT_EQ(reportLines(report, "event ChainReorg "), std::vector<std::string>{expected});
    const auto stats = *node.stats(client.id);
    ASSERT_EQ(stats.lanes_size(), 2);
    EXPECT_EQ(stats.lanes(1).lane(), v1::LANE_CRITICAL);
    EXPECT_EQ(stats.lanes(1).acked(), client.served.criticalLane ? 1u : 0u);
    EXPECT_EQ(stats.lanes(0).acked(), client.served.criticalLane ? 2u : 3u);
    EXPECT_EQ(stats.rejected(), 0u) << "every ack named a lane the module has";
  }
}

// Through ConnectOptions.protocolMajor: the SDK's connect throws ConnectError naming the version
// refused and the node's; the node logs and counts it, does not restart the module, and goes on
// serving the others.
TEST(WireCompatTest, AnotherMajorIsRefusedWithBothVersionsAndTheNodeStaysUp) {
  TempDir scratch;
  const auto refusedReport = scratch / "major.report";
  const auto currentReport = scratch / "current.report";
  ModuleSpec refused =
      versionedProbe("major", ipc::kProtocolMajor + 1, ipc::kProtocolMinor, refusedReport);
  refused.restart = "RESTART_POLICY_ON_FAILURE";
  const ModuleSpec current =
      versionedProbe("current", ipc::kProtocolMajor, ipc::kProtocolMinor, currentReport);
  TestNode node(refused.text() + current.text());
  node.start();
  ASSERT_TRUE(waitFor([&] { return reportHas(refusedReport, "exit 3"); })) << node.log();
  const std::string claimed = version(ipc::kProtocolMajor + 1, ipc::kProtocolMinor);
  const std::string why = "protocol " + claimed + " is not supported: this node speaks " +
                          ipc::protocolVersionString() + " (same major required)";
  EXPECT_EQ(reportLines(refusedReport, "connect-error "),
            std::vector<std::string>{
                "connect-error plexus-node refused the handshake of module 'major': " + why});
  EXPECT_TRUE(reportLines(refusedReport, "connected ").empty());
  EXPECT_TRUE(node.waitForState("major", v1::MODULE_STATE_FAILED)) << node.log();
  EXPECT_EQ(node.module("major")->restarts(), 0u);
  EXPECT_EQ(node.stats("major")->rejected(), 1u);
  EXPECT_THAT(node.log(), HasSubstr("module 'major': handshake refused: " + why));

  // Up and serving: the current module gets the operator's event and its publish is answered.
  ASSERT_TRUE(node.waitForState("current", v1::MODULE_STATE_READY)) << node.log();
  ASSERT_TRUE(node.publish(newBlock(7)).has_publish());
  ASSERT_TRUE(waitFor([&] { return !reportLines(currentReport, "stats ").empty(); }))
      << readFile(currentReport) << node.log();
  EXPECT_EQ(reportLines(currentReport, "publish "), std::vector<std::string>{"publish ok 1"});
  EXPECT_TRUE(node.running());
  EXPECT_EQ(node.module("current")->health(), v1::HEALTH_HEALTHY);
}

}  // namespace
}  // namespace plexus::test
