// What the supervisor tells about a module: ModuleInfo (name falling back to the id, uptime of
// a ready module only), state names, and the attachment and grant of an accepted handshake (the
// configured filters compiled once per configuration).

#include "supervision/module_info.h"

#include <gtest/gtest.h>

#include "plexus/ipc/protocol.h"
#include "runtime/fake_timers.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

class ModuleInfoTest : public ::testing::Test {
 protected:
  ModuleInfoTest() {
    config.set_name("alpha");
    config.set_exec("/bin/alpha");
    config.set_channel_capacity(12);
    config.set_policy(v1::DELIVERY_POLICY_BLOCK);
    config.set_restart(v1::RESTART_POLICY_ALWAYS);
    (*config.mutable_settings())["k"] = "v";
  }
  ModuleRecord& record() {
    m_record = std::make_unique<ModuleRecord>(timers, config, true, RestartTracker::Policy{});
    return *m_record;
  }

  FakeTimers timers;
  v1::ModuleConfig config;

 private:
  std::unique_ptr<ModuleRecord> m_record;
};

TEST_F(ModuleInfoTest, InfoOfARunningModule) {
  ModuleRecord& alpha = record();
  alpha.state = v1::MODULE_STATE_READY;
  alpha.pid = 77;
  alpha.incarnation = 3;
  alpha.restarts = 2;
  alpha.name = "Alpha";
  alpha.version = "1.2";
  alpha.lastExit = "exit 1";
  alpha.health = v1::HEALTH_UNHEALTHY;
  alpha.healthReason = "stalled handler";
  alpha.readyAt = timers.now();
  timers.advance(1500ms);
  auto info = moduleInfoOf(alpha, timers.now());
  EXPECT_EQ(info.module_id(), "alpha");
  EXPECT_EQ(info.name(), "Alpha");
  EXPECT_EQ(info.version(), "1.2");
  EXPECT_EQ(info.state(), v1::MODULE_STATE_READY);
  EXPECT_EQ(info.pid(), 77u);
  EXPECT_EQ(info.restarts(), 2u);
  EXPECT_EQ(info.uptime_ms(), 1500u);
  EXPECT_EQ(info.last_exit(), "exit 1");
  EXPECT_EQ(info.capacity(), 12u);
  EXPECT_EQ(info.policy(), v1::DELIVERY_POLICY_BLOCK);
  EXPECT_EQ(info.restart(), v1::RESTART_POLICY_ALWAYS);
  EXPECT_EQ(info.health(), v1::HEALTH_UNHEALTHY);
  EXPECT_EQ(info.health_reason(), "stalled handler");
  EXPECT_EQ(info.incarnation(), 3u);
  EXPECT_EQ(info.exec(), "/bin/alpha");
}

TEST_F(ModuleInfoTest, AModuleNeverHandshakenIsNamedByItsIdAndHasNoUptime) {
  auto info = moduleInfoOf(record(), timers.now());
  EXPECT_EQ(info.name(), "alpha");
  EXPECT_EQ(info.uptime_ms(), 0u);
  EXPECT_EQ(info.state(), v1::MODULE_STATE_STOPPED);
}

TEST_F(ModuleInfoTest, StateNames) {
  EXPECT_STREQ(stateName(v1::MODULE_STATE_STARTING), "starting");
  EXPECT_STREQ(stateName(v1::MODULE_STATE_HANDSHAKING), "handshaking");
  EXPECT_STREQ(stateName(v1::MODULE_STATE_READY), "ready");
  EXPECT_STREQ(stateName(v1::MODULE_STATE_STOPPING), "stopping");
  EXPECT_STREQ(stateName(v1::MODULE_STATE_STOPPED), "stopped");
  EXPECT_STREQ(stateName(v1::MODULE_STATE_CRASHED), "crashed");
  EXPECT_STREQ(stateName(v1::MODULE_STATE_FAILED), "failed");
  EXPECT_STREQ(stateName(v1::MODULE_STATE_UNSPECIFIED), "unknown");
}

TEST_F(ModuleInfoTest, ConnectedStatesAreHandshakingReadyAndStopping) {
  EXPECT_FALSE(isConnectedState(v1::MODULE_STATE_STARTING));
  EXPECT_TRUE(isConnectedState(v1::MODULE_STATE_HANDSHAKING));
  EXPECT_TRUE(isConnectedState(v1::MODULE_STATE_READY));
  EXPECT_TRUE(isConnectedState(v1::MODULE_STATE_STOPPING));
  EXPECT_FALSE(isConnectedState(v1::MODULE_STATE_STOPPED));
  EXPECT_FALSE(isConnectedState(v1::MODULE_STATE_CRASHED));
  EXPECT_FALSE(isConnectedState(v1::MODULE_STATE_FAILED));
}

TEST_F(ModuleInfoTest, AttachmentAndGrantFollowTheConfiguration) {
  ModuleRecord& alpha = record();
  alpha.name = "Alpha";
  alpha.version = "1.2";
  alpha.incarnation = 4;
  alpha.pid = 99;
  alpha.config.set_critical_capacity(7);
  auto unrestricted = attachmentOf(alpha, ipc::kProtocolMinor);
  EXPECT_EQ(unrestricted.moduleId, "alpha");
  EXPECT_EQ(unrestricted.name, "Alpha");
  EXPECT_EQ(unrestricted.version, "1.2");
  EXPECT_EQ(unrestricted.incarnation, 4u);
  EXPECT_EQ(unrestricted.pid, 99);
  EXPECT_EQ(unrestricted.capacity, 12u);
  EXPECT_EQ(unrestricted.policy, DeliveryPolicy::Block);
  EXPECT_TRUE(unrestricted.subscribeAllowed.all());
  EXPECT_FALSE(unrestricted.tap);
  EXPECT_EQ(unrestricted.criticalCapacity, 7u);
  EXPECT_EQ(attachmentOf(alpha, ipc::kMinorLanes - 1).criticalCapacity, 0u)
      << "below 1.3 a module has no critical lane";
  EXPECT_TRUE(unrestricted.offsets);
  EXPECT_TRUE(attachmentOf(alpha, ipc::kMinorOffsets).offsets);
  EXPECT_FALSE(attachmentOf(alpha, ipc::kMinorOffsets - 1).offsets)
      << "below 1.4 a module is sent no journal offsets";

  alpha.config.mutable_capabilities()->add_subscribe(v1::EVENT_TYPE_NEW_BLOCK);
  auto restricted = attachmentOf(alpha, ipc::kProtocolMinor);
  EXPECT_EQ(restricted.subscribeAllowed.count(), 1u);
  EXPECT_TRUE(restricted.subscribeAllowed.test(v1::EVENT_TYPE_NEW_BLOCK));

  v1::Timings timings;
  timings.set_heartbeat_interval_ms(250);
  auto grant = grantOf(alpha, timings);
  EXPECT_EQ(grant.capacity, 12u);
  EXPECT_EQ(grant.incarnation, 4u);
  EXPECT_EQ(grant.heartbeatIntervalMs, 250u);
  EXPECT_EQ(grant.settings, (std::map<std::string, std::string>{{"k", "v"}}));
}

TEST_F(ModuleInfoTest, ConfiguredFiltersAreCompiledOnceAndSharedByEveryAttachment) {
  auto* subscription = config.add_subscriptions();
  subscription->set_type(v1::EVENT_TYPE_NEW_BLOCK);
  subscription->set_filter("height > 5");
  ModuleRecord& alpha = record();
  ASSERT_EQ(alpha.configFilters.size(), 1u);
  const auto compiled = alpha.configFilters[0].filter;
  ASSERT_TRUE(compiled);
  EXPECT_EQ(compiled->text(), "height > 5");
  for (std::uint64_t incarnation : {1u, 2u}) {
    alpha.incarnation = incarnation;
    const auto attachment = attachmentOf(alpha, ipc::kProtocolMinor);
    ASSERT_EQ(attachment.configFilters.size(), 1u);
    EXPECT_EQ(attachment.configFilters[0].type, v1::EVENT_TYPE_NEW_BLOCK);
    EXPECT_EQ(attachment.configFilters[0].filter, compiled) << "not compiled again";
  }

  // A new configuration (a load with a new definition) brings its own filters.
  subscription->set_filter("height > 9");
  alpha.setConfig(config);
  ASSERT_EQ(attachmentOf(alpha, ipc::kProtocolMinor).configFilters.size(), 1u);
  EXPECT_EQ(attachmentOf(alpha, ipc::kProtocolMinor).configFilters[0].filter->text(), "height > 9");
  config.clear_subscriptions();
  alpha.setConfig(config);
  EXPECT_TRUE(attachmentOf(alpha, ipc::kProtocolMinor).configFilters.empty());
}

}  // namespace
}  // namespace plexus::host
