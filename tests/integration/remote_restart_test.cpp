// A remote module across a restart of its node, with the real binaries (docs/deployment.md "A
// remote module"): plexus-test-probe, built on the C++ SDK and started by the test (not by the
// node), connects over CURVE; the node is stopped with SIGTERM (NodeShutdown, then the host's
// Goodbye to the remote module) and started again on the same endpoint with the same keys. The
// module outlives the node, reconnects by itself with backoff and receives events again as a new
// incarnation of the new node (its sequences start over).

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <map>
#include <string>

#include "http_get.h"
#include "plexus/ipc/curve_keys.h"
#include "spawned_process.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

TEST(RemoteRestartTest, ARemoteModuleOutlivesANodeRestartAndComesBackByItself) {
  TempDir keys("pxrestart");
  std::map<std::string, std::string> publicKey;
  for (const char* name : {"node", "far"}) {
    auto pair = ipc::writeKeyPair(keys.path(), name);
    ASSERT_TRUE(pair.ok()) << pair.error().message;
    publicKey[name] = pair->publicKey;
  }
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(freeLoopbackPort());
  TestNode node("remote { listen: \"" + endpoint + "\" secret_key_file: \"" +
                    (keys / "node.key").string() +
                    "\" }\nmodule { name: \"far\" kind: MODULE_KIND_REMOTE public_key: \"" +
                    publicKey["far"] + "\" }\n",
                "  missed_heartbeats: 2\n  dead_timeout_ms: 1500\n");
  node.start();
  const auto report = keys / "far.report";
  SpawnedProcess far({"/usr/bin/env", "PLEXUS_MODULE_ID=far", "PLEXUS_ENDPOINT=" + endpoint,
                      "PLEXUS_SERVER_KEY=" + publicKey["node"],
                      "PLEXUS_SECRET_KEY_FILE=" + (keys / "far.key").string(),
                      probeBinary().string(), "--report", report.string(), "--types",
                      "NewBlock,NodeShutdown"});
  // The probe's remote connect timeout is 20 s (a loaded machine can starve the CURVE handshake).
  ASSERT_TRUE(node.waitForState("far", v1::MODULE_STATE_READY, 30s)) << node.log();
  ASSERT_TRUE(node.publish(newBlock(1)).has_publish());
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "event E 1 0 NewBlock operator 1"); }))
      << readFile(report);

  const auto stopped = node.stop(SIGTERM);
  ASSERT_TRUE(stopped.has_value()) << node.log();
  EXPECT_TRUE(WIFEXITED(*stopped) && WEXITSTATUS(*stopped) == 0) << node.log();
  EXPECT_NE(node.log().find("remote module 'far' disconnected: node shutdown"), std::string::npos)
      << node.log();
  EXPECT_TRUE(reportHas(report, "NodeShutdown host signal TERM")) << readFile(report);
  EXPECT_TRUE(far.running()) << "run() returned at the node's shutdown:\n" << readFile(report);

  node.start();  // the same endpoint, keys and config
  const auto restarted = std::chrono::steady_clock::now();
  ASSERT_TRUE(node.waitForState("far", v1::MODULE_STATE_READY)) << node.log();
  // While the node was down the SDK backed off (100 ms doubling, at most 5 s between attempts).
  EXPECT_LT(std::chrono::steady_clock::now() - restarted, 8s);
  EXPECT_EQ(node.module("far")->incarnation(), 1u) << "the new node's first";
  EXPECT_EQ(node.module("far")->peer_address(), "127.0.0.1");
  // Sequence 1 again: a new incarnation, on a new connection. Published until it arrives: the
  // SDK may replace its first connection at once (a stale DISCONNECTED, docs/design.md "Remote
  // modules: node shutdown and restart"), and what that one held is lost.
  EXPECT_TRUE(waitFor(
      [&] {
        if (reportHas(report, "event E 1 0 NewBlock operator 2")) return true;
        EXPECT_TRUE(node.publish(newBlock(2)).has_publish());
        return false;
      },
      20s, 100ms))
      << readFile(report);
  EXPECT_TRUE(far.running());
  EXPECT_FALSE(reportHas(report, "exit ")) << readFile(report);
  ASSERT_TRUE(node.stop(SIGTERM).has_value());
}

}  // namespace
}  // namespace plexus::test
