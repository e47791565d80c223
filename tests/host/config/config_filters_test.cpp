// ModuleConfig.subscriptions (docs/filters.md, docs/config.md): each filter is checked when the
// configuration loads, and an error names the module, the entry, the type and the column.

#include <gtest/gtest.h>

#include <string>

#include "config/config.h"
#include "config_test_support.h"

namespace plexus::host {
namespace {

using testing::expectInvalid;

v1::ModuleConfig withFilter(v1::EventType type, const std::string& filter) {
  v1::ModuleConfig module;
  module.set_name("fees");
  module.set_exec("plexus-fees");
  auto* subscription = module.add_subscriptions();
  subscription->set_type(type);
  subscription->set_filter(filter);
  return module;
}

TEST(ConfigFiltersTest, AValidFilterPassesAndParsesFromText) {
  EXPECT_TRUE(validateModule(withFilter(v1::EVENT_TYPE_NEW_TRANSACTION, "fee >= 1000")).ok());
  auto config = parseConfig(R"(module {
  name: "fees" exec: "plexus-fees"
  subscriptions { type: EVENT_TYPE_NEW_TRANSACTION filter: "fee >= 1000 and size < 100000" }
})",
                            "test.cfg");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_TRUE(validateConfig(*config).ok());
}

TEST(ConfigFiltersTest, AFilterThatDoesNotCompileNamesModuleEntryTypeAndColumn) {
  expectInvalid(
      validateModule(withFilter(v1::EVENT_TYPE_NEW_TRANSACTION, "fee >= 1000 and fe < 2")),
      {"module 'fees'", "subscriptions[0]", "NewTransaction filter", "column 17", "'fe'"});
  v1::NodeConfig config;
  *config.add_module() = withFilter(v1::EVENT_TYPE_NEW_TRANSACTION, "fee >=");
  expectInvalid(validateConfig(config), {"module 'fees'", "column"});
}

TEST(ConfigFiltersTest, RefusesLifecycleTypesDuplicatesAndTypesOutsideTheCapabilities) {
  expectInvalid(validateModule(withFilter(v1::EVENT_TYPE_MODULE_LOADED, "source == \"host\"")),
                {"ModuleLoaded is a lifecycle event"});
  expectInvalid(validateModule(withFilter(v1::EVENT_TYPE_UNSPECIFIED, "fee > 1")),
                {"not a valid event type"});

  v1::ModuleConfig twice = withFilter(v1::EVENT_TYPE_NEW_TRANSACTION, "fee > 1");
  *twice.add_subscriptions() = twice.subscriptions(0);
  expectInvalid(validateModule(twice), {"subscriptions[1]", "a second filter for NewTransaction"});

  v1::ModuleConfig outside = withFilter(v1::EVENT_TYPE_NEW_TRANSACTION, "fee > 1");
  outside.mutable_capabilities()->add_subscribe(v1::EVENT_TYPE_NEW_BLOCK);
  expectInvalid(validateModule(outside), {"capabilities.subscribe does not grant"});
  outside.mutable_capabilities()->add_subscribe(v1::EVENT_TYPE_NEW_TRANSACTION);
  EXPECT_TRUE(validateModule(outside).ok());
}

}  // namespace
}  // namespace plexus::host
