// Remote modules over TCP + CURVE with the real binaries (docs/design.md "Remote modules"): the
// node listens on 127.0.0.1 and plexus-test-hostile connects as a remote module (not spawned by
// the node) with its own key pair. A remote module receives and publishes; NULL, PLAIN and
// unknown-key clients are refused while a local module keeps receiving; a valid key cannot act
// as another id; a second connection is refused while the first is live; a stopped client is
// found dead within the liveness times (ModuleCrashed, lost counted) and its next connection is
// a new incarnation with the ModuleLoaded replay; unload sends the host's Goodbye and refuses
// reconnects until load.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "hostile_report.h"
#include "http_get.h"
#include "plexus/ipc/curve_keys.h"
#include "spawned_process.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

class RemoteModuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"node", "a", "b", "stranger"}) {
      auto pair = ipc::writeKeyPair(m_keys.path(), name);
      ASSERT_TRUE(pair.ok()) << pair.error().message;
      m_public[name] = pair->publicKey;
    }
    m_endpoint = "tcp://127.0.0.1:" + std::to_string(freeLoopbackPort());
    ModuleSpec near{"near",
                    {},
                    {"--report", nearReport().string(), "--types",
                     "NewBlock,ModuleCrashed,ModuleLoaded,ModuleUnloaded"}};
    m_node = std::make_unique<TestNode>(
        "remote { listen: \"" + m_endpoint + "\" secret_key_file: \"" +
            (m_keys / "node.key").string() + "\" }\n" + remote("a") + remote("b") + near.text(),
        "  missed_heartbeats: 2\n  dead_timeout_ms: 1500\n");
    m_node->start();
    ASSERT_TRUE(m_node->waitForState("near", v1::MODULE_STATE_READY)) << m_node->log();
  }

  std::string remote(const std::string& name) {
    return "module { name: \"" + name + "\" kind: MODULE_KIND_REMOTE public_key: \"" +
           m_public[name] + "\" capabilities { publish: [EVENT_TYPE_NEW_BLOCK] } }\n";
  }
  std::filesystem::path nearReport() const { return m_keys / "near.report"; }

  // plexus-test-hostile as remote module `id` with `key`'s key pair; its report is `report`.
  std::unique_ptr<SpawnedProcess> client(const std::string& report, const std::string& id,
                                         const std::string& key, const std::string& script,
                                         std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {hostileBinary().string(),
                                     "--report",
                                     (m_keys / report).string(),
                                     "--endpoint",
                                     m_endpoint,
                                     "--module-id",
                                     id,
                                     "--server-key",
                                     m_public["node"],
                                     "--secret-key-file",
                                     (m_keys / (key + ".key")).string(),
                                     "--types",
                                     "NewBlock,ModuleLoaded",
                                     "--do",
                                     script};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<SpawnedProcess>(args);
  }
  bool reported(const std::string& report, const std::string& needle) {
    return waitFor([&] { return reportHas(m_keys / report, needle); }, 15s);
  }
  std::string report(const std::string& name) { return readFile(m_keys / name); }

  TempDir m_keys{"pxremote"};
  std::map<std::string, std::string> m_public;
  std::string m_endpoint;
  std::unique_ptr<TestNode> m_node;
};

TEST_F(RemoteModuleTest, ARemoteModuleReceivesAndPublishes) {
  auto a = client("a.report", "a", "a", "hello,subscribe,publish:NewBlock");
  ASSERT_TRUE(m_node->waitForState("a", v1::MODULE_STATE_READY)) << m_node->log();
  const auto info = m_node->module("a");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->peer_address(), "127.0.0.1");
  EXPECT_EQ(info->incarnation(), 1u);
  EXPECT_EQ(info->pid(), 0);
  // Its publish reaches the local module, stamped with its id.
  EXPECT_TRUE(waitFor([&] { return reportHas(nearReport(), "NewBlock a 424242"); }))
      << readFile(nearReport());
  // The node's events reach it.
  ASSERT_TRUE(m_node->publish(newBlock(77)).has_publish());
  EXPECT_TRUE(reported("a.report", "NewBlock operator 77")) << report("a.report");
  const CtlRun modules = runCtl(*m_node, "modules");
  EXPECT_NE(modules.out.find("127.0.0.1"), std::string::npos) << modules.out;
  const CtlRun json = runCtl(*m_node, "modules --json");
  EXPECT_NE(json.out.find("\"peer_address\":\"127.0.0.1\""), std::string::npos) << json.out;
}

TEST_F(RemoteModuleTest, PlaintextWrongKeyStolenIdAndSecondConnectionsAreRefused) {
  auto a = client("a.report", "a", "a", "hello,subscribe");
  ASSERT_TRUE(m_node->waitForState("a", v1::MODULE_STATE_READY)) << m_node->log();
  auto null = client("null.report", "a", "a", "hello", {"--mechanism", "null"});
  auto plain = client("plain.report", "a", "a", "hello", {"--mechanism", "plain"});
  auto stranger = client("stranger.report", "a", "stranger", "hello");
  for (const char* refused : {"null.report", "plain.report", "stranger.report"}) {
    EXPECT_TRUE(reported(refused, "exit 3")) << refused << ":\n" << report(refused);
    EXPECT_FALSE(reportHas(m_keys / refused, "handshake-ack")) << report(refused);
  }
  // b's valid key handshaking as a: refused, and a is not disturbed.
  auto thief = client("thief.report", "b", "b", "hello", {"--claim-id", "a"});
  EXPECT_TRUE(reported("thief.report", "error ERROR_CODE_PERMISSION_DENIED"))
      << report("thief.report");
  // A second connection with a's own key while a is live.
  auto second = client("second.report", "a", "a", "hello");
  EXPECT_TRUE(reported("second.report", "error ERROR_CODE_UNAVAILABLE")) << report("second.report");
  EXPECT_TRUE(reportHas(m_keys / "second.report", "is connected from 127.0.0.1"))
      << report("second.report");
  EXPECT_EQ(m_node->module("b")->state(), v1::MODULE_STATE_DISCONNECTED);
  EXPECT_EQ(m_node->module("a")->incarnation(), 1u);
  // The first connection and the local module keep receiving.
  ASSERT_TRUE(m_node->publish(newBlock(5)).has_publish());
  EXPECT_TRUE(reported("a.report", "NewBlock operator 5")) << report("a.report");
  EXPECT_TRUE(waitFor([&] { return reportHas(nearReport(), "NewBlock operator 5"); }));
  EXPECT_NE(m_node->log().find("refused a connection"), std::string::npos) << m_node->log();
}

TEST_F(RemoteModuleTest, AStoppedClientIsLostThenReconnectsAsANewIncarnation) {
  auto a = client("a.report", "a", "a", "hello,subscribe");
  ASSERT_TRUE(m_node->waitForState("a", v1::MODULE_STATE_READY)) << m_node->log();
  ASSERT_EQ(::kill(a->pid(), SIGSTOP), 0);
  const auto stopped = std::chrono::steady_clock::now();
  for (std::uint64_t height = 1; height <= 3; ++height)
    ASSERT_TRUE(m_node->publish(newBlock(height)).has_publish());
  ASSERT_TRUE(m_node->waitForState("a", v1::MODULE_STATE_DISCONNECTED, 10s)) << m_node->log();
  // dead_timeout_ms 1500 plus a liveness period.
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, 4s);
  EXPECT_TRUE(waitFor([&] { return reportHas(nearReport(), "ModuleCrashed host a:"); }))
      << readFile(nearReport());
  auto stats = m_node->stats("a");
  ASSERT_TRUE(stats.has_value());
  EXPECT_GE(stats->lost(), 3u);
  a->kill();
  auto again = client("again.report", "a", "a", "hello,subscribe,wait-event:ModuleLoaded");
  ASSERT_TRUE(m_node->waitForState("a", v1::MODULE_STATE_READY)) << m_node->log();
  EXPECT_EQ(m_node->module("a")->incarnation(), 2u);
  EXPECT_TRUE(reported("again.report", "handshake-ack 2")) << report("again.report");
  EXPECT_TRUE(reported("again.report", "ModuleLoaded host near#1")) << report("again.report");
}

TEST_F(RemoteModuleTest, UnloadSendsGoodbyeAndRefusesReconnectsUntilLoad) {
  auto a = client("a.report", "a", "a", "hello,subscribe");
  ASSERT_TRUE(m_node->waitForState("a", v1::MODULE_STATE_READY)) << m_node->log();
  const CtlRun unload = runCtl(*m_node, "unload a", true);
  ASSERT_EQ(unload.exitCode, 0) << unload.out;
  EXPECT_TRUE(reported("a.report", "goodbye unloaded by operator")) << report("a.report");
  EXPECT_EQ(m_node->module("a")->state(), v1::MODULE_STATE_UNLOADED);
  EXPECT_TRUE(waitFor([&] { return reportHas(nearReport(), "ModuleUnloaded host a"); }));
  auto refused = client("refused.report", "a", "a", "hello");
  EXPECT_TRUE(reported("refused.report", "error ERROR_CODE_UNAVAILABLE"))
      << report("refused.report");
  EXPECT_EQ(m_node->module("a")->state(), v1::MODULE_STATE_UNLOADED);
  refused->kill();

  const CtlRun reload = runCtl(*m_node, "reload a", true);
  EXPECT_EQ(reload.exitCode, 1) << reload.out;
  EXPECT_NE(reload.out.find("is a remote module"), std::string::npos) << reload.out;
  const CtlRun load = runCtl(*m_node, "load a", true);
  ASSERT_EQ(load.exitCode, 0) << load.out;
  EXPECT_EQ(m_node->module("a")->state(), v1::MODULE_STATE_DISCONNECTED);
  auto back = client("back.report", "a", "a", "hello,subscribe");
  ASSERT_TRUE(m_node->waitForState("a", v1::MODULE_STATE_READY)) << m_node->log();
  EXPECT_EQ(m_node->module("a")->incarnation(), 2u);
}

TEST(RemoteEndpointTest, ABindFailureStopsTheStart) {
  TempDir dir("pxremote");
  ASSERT_TRUE(ipc::writeKeyPair(dir.path(), "node").ok());
  // 192.0.2.1 (TEST-NET-1) is no address of this machine.
  std::ofstream(dir / "node.cfg") << "remote { listen: \"tcp://192.0.2.1:7400\" secret_key_file: \""
                                  << (dir / "node.key").string() << "\" }\n";
  const CtlRun run = runCommand("timeout 20 " + nodeBinary().string() + " --config " +
                                (dir / "node.cfg").string() + " --runtime-dir " +
                                (dir / "run").string() + " 2>&1");
  EXPECT_NE(run.exitCode, 0) << run.out;
  EXPECT_NE(run.exitCode, 124) << "still running: " << run.out;
  EXPECT_NE(run.out.find("remote.listen 'tcp://192.0.2.1:7400': cannot bind"), std::string::npos)
      << run.out;
}

}  // namespace
}  // namespace plexus::test
