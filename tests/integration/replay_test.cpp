// ModuleLoaded replay with real processes: a module hot-loaded into a node with more loaded
// modules than its channel capacity receives ModuleLoaded for every loaded module exactly once,
// in load order, then its own.

#include <gtest/gtest.h>

#include <set>

#include "test_node.h"

namespace plexus::test {
namespace {

std::vector<std::string> announced(const std::filesystem::path& report) {
  std::vector<std::string> out;
  for (const auto& e : probeEvents(report, 'L')) {
    if (e.type == "ModuleLoaded") out.push_back(e.detail);
  }
  return out;
}

TEST(ReplayTest, HotLoadedModuleHearsEveryLoadedModuleOnceInLoadOrderThenItself) {
  TempDir scratch;
  const auto watcherReport = scratch / "watcher.report";
  std::string config =
      ModuleSpec{"watcher", {}, {"--report", watcherReport.string(), "--types", "ModuleLoaded"}}
          .text();
  for (int i = 1; i <= 4; ++i) {
    config += ModuleSpec{"m" + std::to_string(i), {}, {"--report", "/dev/null", "--types", "none"}}
                  .text();
  }
  TestNode node(config);
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  // The watcher saw the global load order (its replay, itself, then the rest).
  ASSERT_TRUE(waitFor([&] { return announced(watcherReport).size() == 5; })) << node.log();
  const auto loadOrder = announced(watcherReport);

  const auto lateReport = scratch / "late.report";
  v1::ControlRequest load;
  auto* module = load.mutable_load()->mutable_module();
  module->set_name("late");
  module->set_exec(probeBinary().string());
  for (const char* arg : {"--report", lateReport.c_str(), "--types", "ModuleLoaded"}) {
    module->add_args(arg);
  }
  module->set_channel_capacity(
      2);  // fewer slots than loaded modules: the lifecycle lane is not counted
  auto reply = node.call(load);
  ASSERT_TRUE(reply.has_load()) << reply.DebugString() << node.log();
  EXPECT_EQ(reply.load().module().state(), v1::MODULE_STATE_READY);

  ASSERT_TRUE(waitFor([&] { return announced(lateReport).size() == 6; })) << node.log();
  auto lateSaw = announced(lateReport);
  std::vector<std::string> expected = loadOrder;
  expected.emplace_back("late#1");
  EXPECT_EQ(lateSaw, expected);
  EXPECT_EQ(std::set<std::string>(lateSaw.begin(), lateSaw.end()).size(), lateSaw.size())
      << "exactly once each";
  auto lifecycle = probeEvents(lateReport, 'L');
  for (std::size_t i = 0; i < lifecycle.size(); ++i)
    EXPECT_EQ(lifecycle[i].seq, i + 1);

  // Everyone else who listens heard about `late` exactly once too.
  ASSERT_TRUE(waitFor([&] { return announced(watcherReport).size() == 6; }));
  EXPECT_EQ(announced(watcherReport).back(), "late#1");
  auto stats = node.stats("late");
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->routed(), 0u) << "replay does not touch the event lane";
}

}  // namespace
}  // namespace plexus::test
