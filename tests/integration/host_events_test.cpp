// Events the node publishes itself: NodeStartup (also to modules that subscribe later),
// HealthCheck on a period, DiskSpaceLow under a threshold, ResourceLimitWarning over a module's
// memory soft limit. None of them may be published by a module or an operator.

#include <gtest/gtest.h>

#include "test_node.h"

namespace plexus::test {
namespace {

TEST(HostEventsTest, StartupHealthDiskAndMemoryEventsReachTheirSubscribers) {
  TempDir dir;
  const auto report = dir / "listener.report";
  TestNode node(ModuleSpec{"listener",
                           {},
                           {"--report", report.string(), "--types",
                            "NodeStartup,HealthCheck,DiskSpaceLow,ResourceLimitWarning"}}
                        .text() +
                    "disk_space_low_bytes: 1000000000000000000\ndata_dir: \"" +
                    dir.path().string() + "\"\n",
                "  health_check_interval_ms: 200\n  resource_check_interval_ms: 200\n");
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  // Loaded once the listener listens: the warning comes at the crossing.
  v1::ControlRequest load;
  auto* hungry = load.mutable_load()->mutable_module();
  hungry->set_name("hungry");
  hungry->set_exec(probeBinary().string());
  hungry->add_args("--report");
  hungry->add_args("/dev/null");
  hungry->mutable_limits()->set_rss_soft_limit_bytes(1);
  ASSERT_TRUE(node.call(load).has_load()) << node.log();
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "event L 1 0 NodeStartup host 0.1.0"); }))
      << readFile(report);
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "HealthCheck host 2"); })) << readFile(report);
  // The disk was low before the listener subscribed: the standing condition reached it anyway.
  ASSERT_TRUE(waitFor([&] {
    return reportHas(report, "DiskSpaceLow host " + dir.path().string());
  })) << readFile(report);
  ASSERT_TRUE(waitFor([&] {
    return reportHas(report, "ResourceLimitWarning host hungry:rss_bytes");
  })) << readFile(report);
  // Once per crossing, not once per check (several checks ran by now).
  ASSERT_TRUE(waitFor([&] {
    int checks = 0;
    for (const auto& e : probeEvents(report))
      checks += e.type == "HealthCheck" ? 1 : 0;
    return checks >= 3;
  }));
  int disk = 0;
  for (const auto& e : probeEvents(report))
    disk += e.type == "DiskSpaceLow" ? 1 : 0;
  EXPECT_EQ(disk, 1);
}

TEST(HostEventsTest, HostOnlyTypesCannotBePublishedByAModuleOrTheOperator) {
  TempDir dir;
  const auto report = dir / "forger.report";
  ModuleSpec forger{"forger", {}, {"--report", report.string(), "--publish", "NodeShutdown:1"}};
  forger.extra = "  capabilities { publish: [EVENT_TYPE_NEW_BLOCK] }\n";
  TestNode node(forger.text());
  node.start();
  ASSERT_TRUE(waitFor([&] { return reportHas(report, "publish ERROR_CODE_PERMISSION_DENIED"); }))
      << readFile(report);
  EXPECT_TRUE(reportHas(report, "NodeShutdown is a host-only event type"));
  // Refused, not disconnected: the probe publishes as soon as its handshake is answered, so its
  // Subscribe may still be pending here; it becomes READY in its first incarnation.
  ASSERT_TRUE(node.waitForState("forger", v1::MODULE_STATE_READY)) << node.log();
  EXPECT_EQ(node.module("forger")->restarts(), 0u) << "refused, not disconnected";
  EXPECT_EQ(node.module("forger")->incarnation(), 1u) << "refused, not disconnected";
  EXPECT_GE(node.stats("forger")->rejected(), 1u);
  v1::Event shutdown;
  shutdown.set_type(v1::EVENT_TYPE_NODE_SHUTDOWN);
  shutdown.mutable_node_shutdown();
  auto reply = node.publish(shutdown);
  ASSERT_TRUE(reply.has_error());
  EXPECT_EQ(reply.error().code(), v1::ERROR_CODE_PERMISSION_DENIED);
  EXPECT_TRUE(node.running());
}

}  // namespace
}  // namespace plexus::test
