// Capabilities with the real node: a Subscribe or a publish outside what the operator granted
// gets an Error with a clear message, counts as rejected, and the module stays connected;
// `plexusctl load --publish` grants a hot-loaded module what it names and nothing else; the
// embedded default config lets chainsim publish the two types it produces.
// (config_test.cpp checks the embedded config parses and gives chainsim two publish types; here
// the real chainsim publishes both through the real node.)

#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <sstream>

#include "config/config.h"
#include "hostile_report.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A probe receiving NewBlock and NewTransaction: what gets published, and by whom.
ModuleSpec listener(const std::filesystem::path& report) {
  ModuleSpec spec{
      "listener", {}, {"--report", report.string(), "--types", "NewBlock,NewTransaction"}};
  spec.policy = "DELIVERY_POLICY_BLOCK";
  return spec;
}

TEST(CapabilitiesTest, ASubscribeOutsideCapabilitiesSubscribeIsRefusedAndTheModuleStaysConnected) {
  TempDir scratch;
  const auto report = scratch / "narrow.report";
  const auto sdkReport = scratch / "sdk.report";
  // A hand-written module asks for too much, then for what it may have.
  ModuleSpec narrow{"narrow",
                    hostileBinary().string(),
                    {"--report", report.string(), "--types", "NewBlock,PeerConnected", "--do",
                     "hello,subscribe,subscribe:PeerConnected"}};
  narrow.extra = "  capabilities { subscribe: [EVENT_TYPE_PEER_CONNECTED] }\n";
  // An SDK module whose single Subscribe is refused: run() gives up.
  ModuleSpec sdk{"sdk-narrow", {}, {"--report", sdkReport.string(), "--types", "NewBlock"}};
  sdk.extra = narrow.extra;
  TestNode node(narrow.text() + sdk.text());
  node.start();

  ASSERT_TRUE(waitFor([&] { return reportHas(report, "script-done"); })) << readFile(report);
  ASSERT_TRUE(node.waitForState("narrow", v1::MODULE_STATE_READY)) << node.log();
  auto refused = repliesTo(report, "subscribe");
  ASSERT_EQ(refused.size(), 1u) << readFile(report);
  EXPECT_EQ(refused[0].line,
            "error ERROR_CODE_PERMISSION_DENIED 0 module 'narrow' may not subscribe to NewBlock "
            "(not in its capabilities.subscribe)");
  auto granted = repliesTo(report, "subscribe:PeerConnected");
  ASSERT_EQ(granted.size(), 1u) << readFile(report);
  EXPECT_EQ(granted[0].line, "subscribe-ack PeerConnected")
      << "all or nothing: the refused Subscribe left nothing behind";
  EXPECT_EQ(node.stats("narrow")->rejected(), 1u);
  // Connected and served what it was granted, nothing else.
  node.publish(newBlock(1));
  node.publish(peerConnected("granted"));
  ASSERT_TRUE(waitFor([&] { return !probeEvents(report).empty(); })) << readFile(report);
  auto events = probeEvents(report);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "PeerConnected");
  EXPECT_EQ(events[0].detail, "granted");
  EXPECT_EQ(events[0].seq, 1u) << "the NewBlock was never routed to it";

  // The SDK says why on stderr (in the node's log) and run() returns 1.
  ASSERT_TRUE(waitFor([&] { return reportHas(sdkReport, "exit 1"); })) << node.log();
  EXPECT_TRUE(waitFor([&] {
    return node.log().find(
               "plexus-sdk: module 'sdk-narrow': subscription refused: module "
               "'sdk-narrow' may not subscribe to NewBlock (not in its "
               "capabilities.subscribe)") != std::string::npos;
  })) << node.log();
  EXPECT_THAT(node.log(), HasSubstr("module 'narrow': request refused: module 'narrow' may not "
                                    "subscribe to NewBlock"));
  EXPECT_EQ(node.stats("sdk-narrow")->rejected(), 1u);
  for (const auto& s : node.allStats())
    expectInvariants(s);
}

// Once the listener is surely ready (the test's go), a type it was not granted, then one it was.
const std::string kPublishScript =
    "hello,subscribe,wait-event:PeerConnected,publish:NewTransaction,publish:NewBlock";

// Both the configured and the hot-loaded publisher: NewTransaction refused, NewBlock delivered.
void expectPublishGrantedOnlyForNewBlock(TestNode& node, const std::string& id,
                                         const std::filesystem::path& report,
                                         const std::filesystem::path& listenerReport) {
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "script-done"); })) << readFile(report);
  auto refused = repliesTo(report, "publish:NewTransaction");
  ASSERT_EQ(refused.size(), 1u) << readFile(report);
  EXPECT_THAT(refused[0].line, StartsWith("error ERROR_CODE_PERMISSION_DENIED "));
  EXPECT_THAT(refused[0].line, HasSubstr("module '" + id +
                                         "' may not publish NewTransaction (not in its "
                                         "capabilities.publish)"));
  EXPECT_THAT(refused[0].line, Not(StartsWith("error ERROR_CODE_PERMISSION_DENIED 0 ")))
      << "the Error answers the request";
  // Still connected: the granted type goes through afterwards.
  auto granted = repliesTo(report, "publish:NewBlock");
  ASSERT_EQ(granted.size(), 1u);
  EXPECT_THAT(granted[0].line, HasSubstr(" publish 1 0")) << "routed to the listener";
  ASSERT_TRUE(waitFor([&] { return !probeEvents(listenerReport).empty(); }));
  auto events = probeEvents(listenerReport);
  ASSERT_EQ(events.size(), 1u) << readFile(listenerReport);
  EXPECT_EQ(events[0].type, "NewBlock");
  EXPECT_EQ(events[0].source, id);
  EXPECT_EQ(events[0].detail, "424242");
  EXPECT_EQ(node.module(id)->state(), v1::MODULE_STATE_READY);
  EXPECT_EQ(node.stats(id)->rejected(), 1u);
  EXPECT_EQ(node.stats("listener")->routed(), 1u) << "the refused event was never routed";
  for (const auto& s : node.allStats())
    expectInvariants(s);
}

TEST(CapabilitiesTest, APublishOutsideCapabilitiesPublishIsRefusedAndTheModuleStaysConnected) {
  TempDir scratch;
  const auto report = scratch / "publisher.report";
  const auto listenerReport = scratch / "listener.report";
  ModuleSpec publisher{
      "publisher",
      hostileBinary().string(),
      {"--report", report.string(), "--types", "PeerConnected", "--do", kPublishScript}};
  publisher.extra = "  capabilities { publish: [EVENT_TYPE_NEW_BLOCK] }\n";
  TestNode node(listener(listenerReport).text() + publisher.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  ASSERT_TRUE(node.publish(peerConnected("go")).has_publish());
  expectPublishGrantedOnlyForNewBlock(node, "publisher", report, listenerReport);
  EXPECT_THAT(node.log(), HasSubstr("module 'publisher': request refused: module 'publisher' may "
                                    "not publish NewTransaction"));
}

TEST(CapabilitiesTest, PlexusctlLoadWithPublishGrantsExactlyThatType) {
  TempDir scratch;
  const auto report = scratch / "hot.report";
  const auto listenerReport = scratch / "listener.report";
  TestNode node(listener(listenerReport).text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  auto loaded =
      runCtl(node,
             "load hot --exec " + hostileBinary().string() + " --arg --report --arg " +
                 report.string() + " --arg --types --arg PeerConnected --arg --do --arg " +
                 kPublishScript + " --publish NewBlock",
             /*withStderr=*/true);
  ASSERT_EQ(loaded.exitCode, 0) << loaded.out << node.log();
  ASSERT_TRUE(node.publish(peerConnected("go")).has_publish());
  expectPublishGrantedOnlyForNewBlock(node, "hot", report, listenerReport);
}

TEST(CapabilitiesTest, TheEmbeddedDefaultConfigLetsChainsimPublishBlocksAndTransactions) {
  TempDir scratch;
  const auto listenerReport = scratch / "listener.report";
  auto config = host::parseConfig(host::embeddedDefaultConfig(), "<embedded>");
  ASSERT_TRUE(config.ok()) << config.error().message;
  v1::ModuleConfig chainsim;
  for (const auto& module : config->module()) {
    if (module.name() == "chainsim") chainsim = module;
  }
  ASSERT_EQ(chainsim.name(), "chainsim");
  chainsim.set_exec((binDir() / "plexus-chainsim").string());  // this build's, not one on PATH
  std::string text;
  ASSERT_TRUE(google::protobuf::TextFormat::PrintToString(chainsim, &text));
  TestNode node(listener(listenerReport).text() + "module {\n" + text + "}\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();

  auto from = [&](const std::string& type) {
    auto events = probeEvents(listenerReport);
    return std::count_if(events.begin(), events.end(), [&](const ProbeEvent& e) {
      return e.type == type && e.source == "chainsim";
    });
  };
  ASSERT_TRUE(waitFor([&] { return from("NewBlock") > 0 && from("NewTransaction") > 0; }, 10s))
      << readFile(listenerReport) << node.log();
  EXPECT_EQ(node.stats("chainsim")->rejected(), 0u);
  EXPECT_EQ(node.log().find("refused"), std::string::npos) << node.log();
}

}  // namespace
}  // namespace plexus::test
