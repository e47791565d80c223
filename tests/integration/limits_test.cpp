// Resource limits per module, applied in the child before exec: the module runs under them, and
// when one ends it the node says so in its log and in ModuleCrashed.

#include <gtest/gtest.h>

#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

bool underAddressSanitizer() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#endif
#endif
  return false;
}

TEST(LimitsTest, TheModuleRunsUnderItsConfiguredLimits) {
  TempDir dir;
  const auto report = dir / "limited.report";
  ModuleSpec limited{"limited", {}, {"--report", report.string(), "--report-limits"}};
  limited.extra = "  limits { open_files: 64 cpu_seconds: 30 address_space_bytes: " +
                  std::string(underAddressSanitizer() ? "0" : "4294967296") + " }\n";
  TestNode node(limited.text());
  node.start();
  ASSERT_TRUE(waitFor([&] { return !reportLines(report, "limits ").empty(); })) << node.log();
  const std::string expected = underAddressSanitizer() ? "limits as=unlimited nofile=64 cpu=30"
                                                       : "limits as=4294967296 nofile=64 cpu=30";
  EXPECT_EQ(reportLines(report, "limits ")[0], expected);
}

TEST(LimitsTest, AModuleThatUsesUpItsCpuTimeDiesAndTheNodeSaysWhy) {
  TempDir dir;
  const auto watcher = dir / "watcher.report";
  ModuleSpec burner{"burner", {}, {"--report", "/dev/null", "--burn-cpu"}};
  burner.extra = "  limits { cpu_seconds: 1 }\n";
  TestNode node(
      ModuleSpec{"watcher", {}, {"--report", watcher.string(), "--types", "ModuleCrashed"}}.text() +
          burner.text(),
      "  dead_timeout_ms: 30000\n");
  node.start();
  ASSERT_TRUE(node.waitForState("burner", v1::MODULE_STATE_CRASHED, 20s)) << node.log();
  EXPECT_NE(
      node.log().find("module 'burner' crashed: signal 24 (CPU time limit exceeded): it used up "
                      "its CPU time limit (limits.cpu_seconds = 1)"),
      std::string::npos)
      << node.log();
  EXPECT_TRUE(waitFor([&] { return reportHas(watcher, "ModuleCrashed host burner:signal=24"); }))
      << readFile(watcher);
}

TEST(LimitsTest, AModuleThatOutgrowsItsAddressSpaceDiesAndTheNodeSaysWhy) {
  if (underAddressSanitizer()) GTEST_SKIP() << "ASan reserves terabytes of address space";
  ModuleSpec hog{"hog", {}, {"--report", "/dev/null", "--allocate", "1073741824"}};
  hog.extra = "  limits { address_space_bytes: 268435456 }\n";
  TestNode node(hog.text());
  node.start();
  ASSERT_TRUE(node.waitForState("hog", v1::MODULE_STATE_CRASHED, 20s)) << node.log();
  EXPECT_NE(node.log().find("it ran under an address-space limit of 268435456 bytes"),
            std::string::npos)
      << node.log();
  EXPECT_EQ(node.module("hog")->last_exit(), "signal 6 (Aborted)");
}

}  // namespace
}  // namespace plexus::test
