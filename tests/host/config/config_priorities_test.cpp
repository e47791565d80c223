// NodeConfig.priorities and the critical-lane capacities (docs/config.md, docs/design.md
// "Priority lane"): defaults, overrides, and what the validation refuses.

#include <gtest/gtest.h>

#include <string>

#include "config/config.h"
#include "config/priorities.h"
#include "config_test_support.h"

namespace plexus::host {
namespace {

using testing::expectInvalid;

bool critical(const std::bitset<ipc::kEventTypeSlots>& table, v1::EventType type) {
  return table.test(static_cast<std::size_t>(type));
}

TEST(ConfigPrioritiesTest, ReorgAndDisconnectAreCriticalByDefault) {
  const auto table = criticalTypes(v1::NodeConfig{});
  EXPECT_TRUE(critical(table, v1::EVENT_TYPE_CHAIN_REORG));
  EXPECT_TRUE(critical(table, v1::EVENT_TYPE_BLOCK_DISCONNECTED));
  EXPECT_FALSE(critical(table, v1::EVENT_TYPE_NEW_BLOCK));
  EXPECT_FALSE(critical(table, v1::EVENT_TYPE_NEW_TRANSACTION));
  EXPECT_FALSE(critical(table, v1::EVENT_TYPE_MAINTENANCE_STARTED));
}

TEST(ConfigPrioritiesTest, OverridesRaiseAndLowerTypes) {
  auto config = parseConfig(R"(
priorities { type: EVENT_TYPE_NEW_BLOCK priority: PRIORITY_CRITICAL }
priorities { type: EVENT_TYPE_CHAIN_REORG priority: PRIORITY_NORMAL }
)",
                            "p.cfg");
  ASSERT_TRUE(config.ok()) << config.error().message;
  ASSERT_TRUE(validateConfig(*config).ok());
  const auto table = criticalTypes(*config);
  EXPECT_TRUE(critical(table, v1::EVENT_TYPE_NEW_BLOCK));
  EXPECT_FALSE(critical(table, v1::EVENT_TYPE_CHAIN_REORG));
  EXPECT_TRUE(critical(table, v1::EVENT_TYPE_BLOCK_DISCONNECTED));
}

TEST(ConfigPrioritiesTest, LifecycleTypesDuplicatesAndMissingPrioritiesAreRefused) {
  v1::NodeConfig config;
  auto* entry = config.add_priorities();
  entry->set_type(v1::EVENT_TYPE_MODULE_LOADED);
  entry->set_priority(v1::PRIORITY_CRITICAL);
  expectInvalid(validateConfig(config), {"priorities[0]", "lifecycle"});

  entry->set_type(v1::EVENT_TYPE_NEW_BLOCK);
  entry->set_priority(v1::PRIORITY_UNSPECIFIED);
  expectInvalid(validateConfig(config), {"priorities[0]", "no priority"});

  entry->set_priority(v1::PRIORITY_CRITICAL);
  auto* again = config.add_priorities();
  again->set_type(v1::EVENT_TYPE_NEW_BLOCK);
  again->set_priority(v1::PRIORITY_NORMAL);
  expectInvalid(validateConfig(config), {"priorities[1]", "a second priority"});

  again->set_type(v1::EVENT_TYPE_UNSPECIFIED);
  expectInvalid(validateConfig(config), {"priorities[1]", "not a valid event type"});
}

TEST(ConfigPrioritiesTest, CriticalCapacityDefaultsAndBounds) {
  v1::NodeConfig config;
  auto* module = config.add_module();
  module->set_name("a");
  module->set_exec("x");
  auto out = withDefaults(config);
  EXPECT_EQ(out.default_critical_capacity(), 10u);
  EXPECT_EQ(out.module(0).critical_capacity(), 10u);

  config.set_default_critical_capacity(3);
  EXPECT_EQ(withDefaults(config).module(0).critical_capacity(), 3u);
  module->set_critical_capacity(7);
  EXPECT_EQ(withDefaults(config).module(0).critical_capacity(), 7u);

  module->set_critical_capacity(kMaxChannelCapacity + 1);
  expectInvalid(validateConfig(config), {"module 'a'", "critical_capacity"});
  module->set_critical_capacity(0);
  config.set_default_critical_capacity(kMaxChannelCapacity + 1);
  expectInvalid(validateConfig(config), {"default_critical_capacity"});
}

}  // namespace
}  // namespace plexus::host
