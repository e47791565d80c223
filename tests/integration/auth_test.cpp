// Authentication of module connections with the real node and real module processes: the
// right token, a wrong token, a reused token and an id claimed by a second connection. (A
// protocol major the node does not speak: wire_compat_test.cpp.)

#include <gtest/gtest.h>

#include "test_node.h"

namespace plexus::test {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(AuthTest, TheSpawnedModuleWithItsTokenConnectsAndIsReady) {
  TestNode node(ModuleSpec{"alpha", {}, {"--report", "/dev/null"}}.text());
  node.start();
  ASSERT_TRUE(node.waitForState("alpha", v1::MODULE_STATE_READY)) << node.log();
  auto info = node.module("alpha");
  EXPECT_GT(info->pid(), 0);
  EXPECT_EQ(info->name(), "probe");
  EXPECT_EQ(info->version(), "9.9.9");
}

TEST(AuthTest, AWrongTokenIsRefusedWithAClearError) {
  TempDir scratch;
  std::string report = (scratch / "wrong.report").string();
  TestNode node(ModuleSpec{"wrong", {}, {"--report", report, "--mode", "wrong-token"}}.text());
  node.start();
  ASSERT_TRUE(waitFor([&] { return contains(readFile(report), "exit 3"); })) << node.log();
  EXPECT_TRUE(contains(readFile(report), "refused the credentials of module 'wrong'"))
      << readFile(report);
  EXPECT_TRUE(contains(readFile(report), "ZAP status 400"));
  EXPECT_TRUE(waitFor([&] { return contains(node.log(), "wrong token for module 'wrong'"); }))
      << node.log();
  EXPECT_TRUE(node.waitForState("wrong", v1::MODULE_STATE_CRASHED));
}

TEST(AuthTest, AUsedTokenCannotOpenASecondConnection) {
  TempDir scratch;
  std::string report = (scratch / "reuse.report").string();
  TestNode node(ModuleSpec{"reuse", {}, {"--report", report, "--mode", "reuse-token"}}.text());
  node.start();
  ASSERT_TRUE(node.waitForState("reuse", v1::MODULE_STATE_READY)) << node.log();
  auto text = readFile(report);
  EXPECT_TRUE(contains(text, "connect-error plexus-node refused the credentials")) << text;
  EXPECT_FALSE(contains(text, "second-connection-accepted"));
  EXPECT_TRUE(contains(node.log(), "no unused token for module 'reuse'")) << node.log();
}

TEST(AuthTest, AnotherModulesIdCannotBeClaimed) {
  TempDir scratch;
  std::string alphaReport = (scratch / "alpha.report").string();
  std::string betaReport = (scratch / "beta.report").string();
  TestNode node(
      ModuleSpec{"alpha", {}, {"--report", alphaReport}}.text() +
      ModuleSpec{"beta", {}, {"--report", betaReport, "--mode", "claim-id=alpha"}}.text());
  node.start();
  ASSERT_TRUE(node.waitForState("alpha", v1::MODULE_STATE_READY)) << node.log();
  ASSERT_TRUE(waitFor([&] { return contains(readFile(betaReport), "exit 3"); })) << node.log();
  EXPECT_TRUE(contains(readFile(betaReport), "refused the credentials of module 'alpha'"));
  // alpha is untouched: still ready, still receiving.
  auto reply = node.publish(newBlock(7));
  ASSERT_TRUE(reply.has_publish()) << reply.DebugString();
  ASSERT_TRUE(waitFor([&] { return probeEvents(alphaReport).size() == 1; }));
  EXPECT_EQ(probeEvents(alphaReport)[0].detail, "7");
  EXPECT_EQ(node.module("alpha")->state(), v1::MODULE_STATE_READY);
}

}  // namespace
}  // namespace plexus::test
