// plexus-nats-bridge between two real nodes (a, b) through a real nats-server -js on loopback
// (docs/design.md "The NATS bridge"): NewBlock published on either node reaches a probe on the
// other with its origin kept; nothing loops (the stream holds each event once); nothing is lost
// or delivered twice across a nats-server restart with events published while it is down;
// nothing is lost or delivered twice across a SIGKILL of either bridge mid-stream (the node
// answers a relayed event it took already as a duplicate, docs/design.md "Relayed duplicates");
// nothing is lost when the importing node's journal makes no room for an import in time (the
// bridge publishes it again); a PLEXUS stream configured otherwise is refused.
// Also measures a -> b latency at 1 000 events/s (chainsim on a), printed with its p50/p99.

#include <gtest/gtest.h>
#include <nats/nats.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "journal_write_lock.h"
#include "nats_server.h"
#include "stream_watch.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

struct Seen {
  std::string node;
  std::uint64_t offset = 0;
  std::string source;
  std::int64_t latencyUs = 0;
};

std::vector<Seen> seen(const std::filesystem::path& report) {
  std::vector<Seen> out;
  for (const auto& line : readLines(report)) {
    std::istringstream in(line);
    Seen s;
    std::uint64_t height = 0;
    if (in >> s.node >> s.offset >> s.source >> height >> s.latencyUs) out.push_back(s);
  }
  return out;
}

std::size_t countFrom(const std::filesystem::path& report, const std::string& node) {
  const auto all = seen(report);
  return static_cast<std::size_t>(
      std::count_if(all.begin(), all.end(), [&](const Seen& s) { return s.node == node; }));
}

// Every (origin node, offset) of `node` in the report; each one seen more than once is a failure.
std::set<std::uint64_t> offsetsFrom(const std::filesystem::path& report, const std::string& node) {
  std::set<std::uint64_t> offsets;
  for (const auto& s : seen(report)) {
    if (s.node != node) continue;
    if (!offsets.insert(s.offset).second) ADD_FAILURE() << node << ":" << s.offset << " seen twice";
  }
  return offsets;
}

std::string bridgeSpec(const std::string& self, const std::string& other, const NatsServer& nats,
                       const TempDir& dir) {
  ModuleSpec spec("bridge", (binDir() / "plexus-nats-bridge").string());
  spec.capacity = 16;  // small: a NATS outage fills it, the durable cursor carries the rest
  spec.policy = "DELIVERY_POLICY_DROP";
  spec.restart = "RESTART_POLICY_ALWAYS";
  spec.settings = {{"nats_url", nats.url()},
                   {"export", "NewBlock"},
                   {"import", other},
                   {"state_dir", (dir / ("state-" + self)).string()}};
  // a's bridge names its node (the same as its node_name: accepted); b's takes the node_name
  // from the handshake (the default).
  if (self == "a") spec.settings.emplace_back("node", self);
  spec.extra =
      "durable: true\n"
      "capabilities { subscribe: [EVENT_TYPE_NEW_BLOCK] publish: [EVENT_TYPE_NEW_BLOCK] "
      "relay: true }\n";
  return spec.text();
}

std::string probeSpec(const std::filesystem::path& report, const std::string& node) {
  ModuleSpec spec("probe", (binDir() / "plexus-test-bridge-probe").string(),
                  {report.string(), node});
  spec.capacity = 4096;
  return spec.text();
}

std::string nodeConfig(const std::string& self, const std::string& other, const NatsServer& nats,
                       const TempDir& dir, const std::string& more = {}) {
  return "node_name: \"" + self + "\"\n" + bridgeSpec(self, other, nats, dir) +
         probeSpec(dir / ("probe-" + self), self) + more;
}

const std::string kTimings = "restart_backoff_initial_ms: 50\n";

// The PLEXUS stream's message count, read through nats.c; -1 when it cannot be read.
std::int64_t streamMessages(const NatsServer& nats) {
  natsConnection* connection = nullptr;
  if (natsConnection_ConnectTo(&connection, nats.url().c_str()) != NATS_OK) return -1;
  jsCtx* js = nullptr;
  jsStreamInfo* info = nullptr;
  std::int64_t count = -1;
  if (natsConnection_JetStream(&js, connection, nullptr) == NATS_OK &&
      js_GetStreamInfo(&info, js, "PLEXUS", nullptr, nullptr) == NATS_OK) {
    count = static_cast<std::int64_t>(info->State.Msgs);
    jsStreamInfo_Destroy(info);
  }
  jsCtx_Destroy(js);
  natsConnection_Destroy(connection);
  return count;
}

class NatsBridgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!NatsServer::available()) GTEST_SKIP() << "nats-server is not installed";
    nats = std::make_unique<NatsServer>();
    ASSERT_TRUE(nats->waitReady(10s)) << readFile(nats->logFile());
  }

  void startNodes(const std::string& moreOnA = {}, const std::string& moreOnB = {},
                  const std::string& timingsOnB = {}) {
    a = std::make_unique<TestNode>(nodeConfig("a", "b", *nats, dir, moreOnA), kTimings);
    b = std::make_unique<TestNode>(nodeConfig("b", "a", *nats, dir, moreOnB),
                                   kTimings + timingsOnB);
    a->start();
    b->start();
    for (TestNode* node : {a.get(), b.get()}) {  // not a disabled chainsim
      ASSERT_TRUE(node->waitForState("bridge", v1::MODULE_STATE_READY)) << node->log();
      ASSERT_TRUE(node->waitForState("probe", v1::MODULE_STATE_READY)) << node->log();
    }
  }

  // Waits until each probe saw `fromA` events of a and `fromB` of b.
  void waitCounts(std::size_t fromA, std::size_t fromB, std::chrono::milliseconds timeout = 60s) {
    const auto probeA = dir / "probe-a";
    const auto probeB = dir / "probe-b";
    const bool done = waitFor(
        [&] {
          return countFrom(probeB, "a") >= fromA && countFrom(probeA, "b") >= fromB &&
                 countFrom(probeA, "a") >= fromA && countFrom(probeB, "b") >= fromB;
        },
        timeout, 20ms);
    ASSERT_TRUE(done) << "b saw " << countFrom(probeB, "a") << "/" << fromA << " of a, a saw "
                      << countFrom(probeA, "b") << "/" << fromB << " of b\n--- a:\n"
                      << a->log() << "\n--- b:\n"
                      << b->log();
  }

  // Each node's events reached the other, the same offsets it delivered locally: exactly once.
  void expectExactlyOnce(std::size_t fromA, std::size_t fromB) {
    const auto localA = offsetsFrom(dir / "probe-a", "a");
    const auto localB = offsetsFrom(dir / "probe-b", "b");
    EXPECT_EQ(localA.size(), fromA);
    EXPECT_EQ(localB.size(), fromB);
    EXPECT_EQ(offsetsFrom(dir / "probe-b", "a"), localA);
    EXPECT_EQ(offsetsFrom(dir / "probe-a", "b"), localB);
  }

  TempDir dir{"pxbr"};
  std::unique_ptr<NatsServer> nats;
  std::unique_ptr<TestNode> a;
  std::unique_ptr<TestNode> b;
};

TEST_F(NatsBridgeTest, EventsFlowBothWaysWithTheirOriginAndNothingLoops) {
  startNodes();
  ASSERT_TRUE(a->publish(newBlock(1), 20).has_publish());
  ASSERT_TRUE(b->publish(newBlock(2), 30).has_publish());
  waitCounts(20, 30);
  for (const auto& s : seen(dir / "probe-b")) {
    EXPECT_EQ(s.source, s.node == "a" ? "bridge" : "operator");  // the relay stays the source
  }
  // A marker each way after them: a looping bridge would have re-exported before it.
  ASSERT_TRUE(b->publish(newBlock(3)).has_publish());
  ASSERT_TRUE(a->publish(newBlock(4)).has_publish());
  waitCounts(21, 31);
  EXPECT_EQ(streamMessages(*nats), 52) << "each event once in the stream: nothing came back";
  expectExactlyOnce(21, 31);
  EXPECT_EQ(countFrom(dir / "probe-a", "a"), 21u);  // nothing of a came back to a
  EXPECT_EQ(countFrom(dir / "probe-b", "b"), 31u);
}

TEST_F(NatsBridgeTest, NothingIsLostAcrossANatsRestartOrABridgeSigkill) {
  startNodes();
  ASSERT_TRUE(a->publish(newBlock(1), 100).has_publish());
  waitCounts(100, 0);
  nats->kill();  // publishers go on: no publisher waits on NATS
  ASSERT_TRUE(a->publish(newBlock(2), 100).has_publish());
  ASSERT_TRUE(b->publish(newBlock(3), 100).has_publish());
  ASSERT_EQ(countFrom(dir / "probe-b", "a"), 100u);
  nats->start();
  ASSERT_TRUE(nats->waitReady(10s));
  ASSERT_TRUE(a->publish(newBlock(4), 100).has_publish());
  waitCounts(300, 100);
  expectExactlyOnce(300, 100);  // across the NATS restart: no loss, no duplicate

  // Mid-stream: both bridges are still exporting and importing these when they are killed.
  ASSERT_TRUE(a->publish(newBlock(5), 300).has_publish());
  ASSERT_TRUE(b->publish(newBlock(6), 300).has_publish());
  const auto bridgeA = a->module("bridge");
  const auto bridgeB = b->module("bridge");
  ASSERT_TRUE(bridgeA && bridgeA->pid() > 0 && bridgeB && bridgeB->pid() > 0);
  ::kill(bridgeA->pid(), SIGKILL);
  ::kill(bridgeB->pid(), SIGKILL);
  ASSERT_TRUE(waitFor([&] {
    auto m = a->module("bridge");
    return m && m->pid() > 0 && m->pid() != bridgeA->pid() && m->state() == v1::MODULE_STATE_READY;
  }));
  waitCounts(600, 400, 90s);
  // No loss, no duplicate: a killed importer publishes again the event whose publish into its
  // node was answered but not yet written to its ledger, and the node answers it as a duplicate
  // (docs/design.md "Relayed duplicates"). Export never duplicates: the stream holds each once.
  expectExactlyOnce(600, 400);
  EXPECT_EQ(streamMessages(*nats), 1000);
}

// The node's own guard, alone: b's bridge loses its ledger and its JetStream consumer, so the new
// consumer delivers the whole stream again and the bridge publishes every event of a into b a
// second time. b answers each as a duplicate: its probe still sees each event once.
TEST_F(NatsBridgeTest, ABridgeThatForgotWhatItImportedImportsNothingTwice) {
  startNodes();
  ASSERT_TRUE(a->publish(newBlock(1), 50).has_publish());
  waitCounts(50, 0);
  ASSERT_EQ(runCtl(*b, "unload bridge").exitCode, 0) << b->log();
  ASSERT_TRUE(std::filesystem::remove(dir / "state-b" / "imported-a"));
  natsConnection* connection = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&connection, nats->url().c_str()), NATS_OK);
  jsCtx* js = nullptr;
  ASSERT_EQ(natsConnection_JetStream(&js, connection, nullptr), NATS_OK);
  EXPECT_EQ(js_DeleteConsumer(js, "PLEXUS", "b_from_a", nullptr, nullptr), NATS_OK);
  jsCtx_Destroy(js);
  natsConnection_Destroy(connection);
  ASSERT_EQ(runCtl(*b, "load bridge").exitCode, 0) << b->log();
  ASSERT_TRUE(a->publish(newBlock(2), 10).has_publish());
  waitCounts(60, 0);  // the new consumer delivers in stream order: the 50 again come first
  expectExactlyOnce(60, 0);
  EXPECT_TRUE(waitFor([&] {
    return b->log().find("the node says duplicate; 50 so far") != std::string::npos;
  })) << b->log();
}

// b's journal stalls while a's events are imported (another writer holds journal.sqlite's lock):
// b's bridge is a durable subscriber of NewBlock, so each event it imports waits for room in b's
// journal, and one that gets none within block_timeout_ms is answered TIMEOUT with no report
// attached, which the bridge publishes again (docs/design.md "Relayed duplicates"). When the lock
// is gone, every event of a reaches b's probe, each once: none was acked to JetStream untaken.
TEST_F(NatsBridgeTest, AnImportTheJournalHadNoRoomForIsPublishedAgainNotLost) {
  const auto journalB = dir / "journal-b";
  startNodes({}, "journal {\n  path: \"" + journalB.string() + "\"\n  queue: 16\n}\n",
             "block_timeout_ms: 100\n");
  JournalWriteLock lock(journalB / "journal.sqlite");
  ASSERT_TRUE(lock.held()) << lock.error();
  ASSERT_TRUE(a->publish(newBlock(1), 100).has_publish());
  EXPECT_TRUE(waitFor([&] {
    return b->log().find(
               "import: publish into the node failed: the event was not published: the "
               "journal made no room for it within 100 ms") != std::string::npos;
  })) << b->log();
  EXPECT_LT(countFrom(dir / "probe-b", "a"), 100u) << "b's imports waited for the journal";
  lock.release();
  waitCounts(100, 0);
  expectExactlyOnce(100, 0);
}

TEST_F(NatsBridgeTest, AStreamConfiguredOtherwiseIsRefusedAndLeftAlone) {
  natsConnection* connection = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&connection, nats->url().c_str()), NATS_OK);
  jsCtx* js = nullptr;
  ASSERT_EQ(natsConnection_JetStream(&js, connection, nullptr), NATS_OK);
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  const char* subjects[] = {"other.>"};
  config.Name = "PLEXUS";
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = js_MemoryStorage;
  ASSERT_EQ(js_AddStream(nullptr, js, &config, nullptr, nullptr), NATS_OK);

  ModuleSpec spec("bridge", (binDir() / "plexus-nats-bridge").string());
  spec.settings = {{"nats_url", nats->url()},
                   {"node", "a"},
                   {"export", "NewBlock"},
                   {"state_dir", (dir / "state").string()}};
  spec.extra = "durable: true\n";
  TestNode node("node_name: \"a\"\n" + spec.text());
  node.start();
  ASSERT_TRUE(waitFor([&] {
    auto m = node.module("bridge");
    return m && (m->state() == v1::MODULE_STATE_CRASHED || m->state() == v1::MODULE_STATE_FAILED);
  })) << node.log();
  EXPECT_NE(node.log().find("exists with another configuration"), std::string::npos) << node.log();
  jsStreamInfo* info = nullptr;
  ASSERT_EQ(js_GetStreamInfo(&info, js, "PLEXUS", nullptr, nullptr), NATS_OK);
  EXPECT_EQ(std::string(info->Config->Subjects[0]), "other.>");  // untouched
  jsStreamInfo_Destroy(info);
  jsCtx_Destroy(js);
  natsConnection_Destroy(connection);
}

// The bridge's `node` defaults to the node_name the handshake carries (b's bridge in the tests
// above has none); a `node` setting that differs from it is refused before NATS is touched:
// exit 1, saying why.
TEST(NatsBridgeNodeTest, ANodeSettingThatIsNotTheNodesNameIsRefused) {
  TempDir dir;
  ModuleSpec spec("bridge", (binDir() / "plexus-nats-bridge").string());
  spec.settings = {{"nats_url", "nats://127.0.0.1:1"},
                   {"node", "b"},
                   {"export", "NewBlock"},
                   {"state_dir", (dir / "state").string()}};
  spec.extra = "durable: true\n";
  TestNode node("node_name: \"a\"\n" + spec.text());
  node.start();
  ASSERT_TRUE(waitFor([&] {
    auto m = node.module("bridge");
    return m && (m->state() == v1::MODULE_STATE_CRASHED || m->state() == v1::MODULE_STATE_FAILED);
  })) << node.log();
  EXPECT_NE(node.log().find("setting node 'b' is not this node's node_name 'a'"), std::string::npos)
      << node.log();
  EXPECT_NE(node.log().find("module 'bridge' crashed: exit 1"), std::string::npos) << node.log();
}

// The real node refuses a node_name that is not a NATS subject token, for --check-config and a
// start alike (no NATS needed).
TEST(NodeNameStartTest, ANodeNameThatIsNotSubjectSafeStopsTheStart) {
  TempDir dir;
  const auto config = dir / "node.cfg";
  std::ofstream(config) << "node_name: \"dc1.a\"\n";
  for (const std::string& flags :
       std::vector<std::string>{"--check-config", "--runtime-dir " + (dir / "run").string()}) {
    SCOPED_TRACE(flags);
    const CtlRun run =
        runCommand(nodeBinary().string() + " --config " + config.string() + " " + flags + " 2>&1");
    EXPECT_NE(run.exitCode, 0) << run.out;
    EXPECT_NE(run.out.find("node_name 'dc1.a' may hold only letters"), std::string::npos)
        << run.out;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "run" / "control.sock"));
}

// A measurement, not a test (targets are measured, never asserted by a timed test; run it with
// --gtest_also_run_disabled_tests --gtest_filter='*Latency*'): a -> b latency at 1 000
// NewBlock/s for 5 s (chainsim on a; the probe on b takes now minus origin.published_at),
// printed as p50/p99/max against issue 15's target, p99 < 20 ms.
TEST_F(NatsBridgeTest, DISABLED_MeasureLatencyAtAThousandEventsPerSecond) {
  ModuleSpec chainsim("chainsim", (binDir() / "plexus-chainsim").string());
  chainsim.settings = {{"blocks_per_s", "1000"}, {"txs_per_block", "0"}};
  chainsim.extra = "disabled: true\ncapabilities { publish: [EVENT_TYPE_NEW_BLOCK] }\n";
  startNodes(chainsim.text());
  // The first half of the way: a's events as NATS hands them out (a core subscription on the
  // stream's subjects, in this process), published_at to arrival.
  StreamWatch watch(nats->url(), "plexus.a.>");
  ASSERT_EQ(runCtl(*a, "load chainsim").exitCode, 0) << a->log();
  ASSERT_TRUE(waitFor([&] { return countFrom(dir / "probe-b", "a") >= 5000; }, 60s, 50ms))
      << countFrom(dir / "probe-b", "a") << "\n"
      << a->log();
  ASSERT_EQ(runCtl(*a, "unload chainsim").exitCode, 0);
  std::vector<std::int64_t> latencies;
  for (const auto& s : seen(dir / "probe-b")) {
    if (s.node == "a") latencies.push_back(s.latencyUs);
  }
  std::cout << "a->b latency at 1000/s: " << percentiles(latencies) << "\n"
            << "  of which a -> NATS (a's journal, its bridge's export, JetStream): "
            << percentiles(watch.latencies()) << "\n";
}

}  // namespace
}  // namespace plexus::test
