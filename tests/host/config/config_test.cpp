// Config parsing and validation: parse errors point at 1-based line:column, validation names
// the offending module/field, withDefaults fills every default docs/config.md lists, and the
// embedded default config is itself valid.

#include "config/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "config_test_support.h"
#include "plexus/ipc/protocol.h"

namespace plexus::host {
namespace {

using testing::expectInvalid;

v1::ModuleConfig validModule(const std::string& name = "alpha") {
  v1::ModuleConfig module;
  module.set_name(name);
  module.set_exec("plexus-alpha");
  return module;
}

v1::NodeConfig parseOk(const std::string& text) {
  auto config = parseConfig(text, "test.cfg");
  EXPECT_TRUE(config.ok()) << config.error().message;
  return config.ok() ? *config : v1::NodeConfig();
}

TEST(ConfigTest, ParseErrorNamesSourceLineAndColumnOneBased) {
  // Line 2, column 9 is the `5` (a string field given an integer).
  auto config = parseConfig("module {\n  exec: 5\n}\n", "node.cfg");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(config.error().message.rfind("node.cfg:2:9: error: ", 0), 0u) << config.error().message;
}

TEST(ConfigTest, ParseErrorOnANumericFieldPointsAtTheValue) {
  auto config = parseConfig("runtime_dir: \"/x\"\n\ndefault_channel_capacity: fast\n", "a.cfg");
  ASSERT_FALSE(config.ok());
  // "default_channel_capacity: " is 26 characters: the value starts in column 27.
  EXPECT_EQ(config.error().message.rfind("a.cfg:3:27: error: ", 0), 0u) << config.error().message;
  EXPECT_NE(config.error().message.find("fast"), std::string::npos);
}

TEST(ConfigTest, UnknownFieldIsAnErrorWithItsPosition) {
  auto config = parseConfig("module {\n  name: \"a\"\n  flavour: \"x\"\n}\n", "node.cfg");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message.rfind("node.cfg:3:", 0), 0u) << config.error().message;
  EXPECT_NE(config.error().message.find("flavour"), std::string::npos) << config.error().message;

  auto topLevel = parseConfig("bogus: 1\n", "top.cfg");
  ASSERT_FALSE(topLevel.ok());
  EXPECT_EQ(topLevel.error().message.rfind("top.cfg:1:", 0), 0u) << topLevel.error().message;
  EXPECT_NE(topLevel.error().message.find("bogus"), std::string::npos);
}

TEST(ConfigTest, ParsesEnumsMapsAndNestedMessages) {
  auto config = parseOk(R"pb(
    module {
      name : "archiver"
      exec : "/opt/archiver"
      channel_capacity : 1000
      policy : DELIVERY_POLICY_BLOCK
      restart : RESTART_POLICY_ALWAYS
      settings { key : "out" value : "/var/lib" }
      capabilities { publish : [ EVENT_TYPE_NEW_BLOCK ] }
    }
    timings { shutdown_grace_ms : 10000 }
    log {
      level : "debug"
      components { key : "events" value : "trace" }
    }
  )pb");
  ASSERT_EQ(config.module_size(), 1);
  const auto& module = config.module(0);
  EXPECT_EQ(module.name(), "archiver");
  EXPECT_EQ(module.channel_capacity(), 1000u);
  EXPECT_EQ(module.policy(), v1::DELIVERY_POLICY_BLOCK);
  EXPECT_EQ(module.restart(), v1::RESTART_POLICY_ALWAYS);
  EXPECT_EQ(module.settings().at("out"), "/var/lib");
  ASSERT_EQ(module.capabilities().publish_size(), 1);
  EXPECT_EQ(config.timings().shutdown_grace_ms(), 10000u);
  EXPECT_EQ(config.log().components().at("events"), "trace");
  EXPECT_TRUE(validateConfig(config).ok());
}

TEST(ConfigTest, ValidModulePasses) {
  EXPECT_TRUE(validateModule(validModule()).ok());
  EXPECT_TRUE(validateModule(validModule("a0_b-c")).ok());
  EXPECT_TRUE(validateModule(validModule(std::string(64, 'm'))).ok());
}

TEST(ConfigTest, RejectsInvalidModuleNames) {
  for (const std::string name :
       {"Alpha", "UPPER", "host", "operator", "", "-dash", "_under", "has space", "dot.ted"}) {
    SCOPED_TRACE(name);
    expectInvalid(validateModule(validModule(name)), {"module name"});
  }
  expectInvalid(validateModule(validModule(std::string(65, 'm'))), {"module name"});
}

TEST(ConfigTest, RejectsDuplicateModuleNames) {
  v1::NodeConfig config;
  *config.add_module() = validModule("twin");
  *config.add_module() = validModule("other");
  EXPECT_TRUE(validateConfig(config).ok());
  *config.add_module() = validModule("twin");
  expectInvalid(validateConfig(config), {"'twin'", "twice"});
}

TEST(ConfigTest, ControlGroupMustNameAnExistingGroupAndReadyTimeoutHasADefault) {
  v1::NodeConfig config;
  config.set_control_group("root");
  EXPECT_TRUE(validateConfig(config).ok());
  config.set_control_group("plexus-no-such-group-4711");
  expectInvalid(validateConfig(config), {"control_group", "'plexus-no-such-group-4711'"});
  EXPECT_EQ(withDefaults(v1::NodeConfig{}).timings().ready_timeout_ms(), 30000u);
  auto parsed = parseConfig("timings { ready_timeout_ms: 5 }", "test.cfg");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("ready_timeout_ms"), std::string::npos)
      << parsed.error().message;
}

TEST(ConfigTest, RejectsMissingExec) {
  v1::ModuleConfig module = validModule("noexec");
  module.clear_exec();
  expectInvalid(validateModule(module), {"'noexec'", "exec"});

  // validateConfig applies the module checks too.
  v1::NodeConfig config;
  *config.add_module() = module;
  expectInvalid(validateConfig(config), {"'noexec'", "exec"});
}

TEST(ConfigTest, RejectsChannelCapacityAboveTheMaximum) {
  v1::ModuleConfig module = validModule("big");
  module.set_channel_capacity(kMaxChannelCapacity);
  EXPECT_TRUE(validateModule(module).ok());
  module.set_channel_capacity(kMaxChannelCapacity + 1);
  expectInvalid(validateModule(module), {"'big'", "channel_capacity"});

  v1::NodeConfig config;
  config.set_default_channel_capacity(kMaxChannelCapacity + 1);
  expectInvalid(validateConfig(config), {"default_channel_capacity"});
}

TEST(ConfigTest, RejectsGrantingAHostOnlyTypeToPublish) {
  v1::ModuleConfig module = validModule("sneaky");
  module.mutable_capabilities()->add_publish(v1::EVENT_TYPE_NEW_BLOCK);
  EXPECT_TRUE(validateModule(module).ok());
  module.mutable_capabilities()->add_publish(v1::EVENT_TYPE_NODE_SHUTDOWN);
  expectInvalid(validateModule(module), {"'sneaky'", "capabilities.publish", "NodeShutdown"});

  // Subscribing to a host-only type is fine: that is how modules hear about lifecycle.
  v1::ModuleConfig listener = validModule("listener");
  listener.mutable_capabilities()->add_subscribe(v1::EVENT_TYPE_NODE_SHUTDOWN);
  EXPECT_TRUE(validateModule(listener).ok());
}

TEST(ConfigTest, RejectsUnspecifiedEventTypeInCapabilities) {
  v1::ModuleConfig module = validModule("blank");
  module.mutable_capabilities()->add_subscribe(v1::EVENT_TYPE_UNSPECIFIED);
  expectInvalid(validateModule(module), {"capabilities.subscribe"});
}

TEST(ConfigTest, RejectsUnknownLogLevels) {
  v1::NodeConfig config;
  for (const std::string level : {"trace", "debug", "info", "warn", "error", "off"}) {
    SCOPED_TRACE(level);
    config.mutable_log()->set_level(level);
    EXPECT_TRUE(validateConfig(config).ok());
  }
  config.mutable_log()->set_level("loud");
  expectInvalid(validateConfig(config), {"'loud'"});

  config.mutable_log()->set_level("info");
  (*config.mutable_log()->mutable_components())["events"] = "debug";
  EXPECT_TRUE(validateConfig(config).ok());
  (*config.mutable_log()->mutable_components())["supervisor"] = "chatty";
  expectInvalid(validateConfig(config), {"'chatty'", "'supervisor'"});
}

TEST(ConfigTest, WithDefaultsFillsEveryDocumentedDefault) {
  v1::NodeConfig config;
  *config.add_module() = validModule("plain");
  const v1::NodeConfig out = withDefaults(config);

  EXPECT_EQ(out.default_channel_capacity(), 100u);
  EXPECT_EQ(out.max_message_bytes(), 4u * 1024 * 1024);
  EXPECT_EQ(out.module_request_rate(), 10000u);
  EXPECT_EQ(out.log().level(), "info");

  const auto& t = out.timings();
  EXPECT_EQ(t.handshake_timeout_ms(), 10000u);
  EXPECT_EQ(t.heartbeat_interval_ms(), 1000u);
  EXPECT_EQ(t.missed_heartbeats(), 3u);
  EXPECT_EQ(t.dead_timeout_ms(), 10000u);
  EXPECT_EQ(t.stall_timeout_ms(), 5000u);
  EXPECT_EQ(t.block_timeout_ms(), 1000u);
  EXPECT_EQ(t.restart_backoff_initial_ms(), 1000u);
  EXPECT_EQ(t.restart_backoff_max_ms(), 30000u);
  EXPECT_EQ(t.crash_limit(), 3u);
  EXPECT_EQ(t.crash_window_ms(), 300000u);
  EXPECT_EQ(t.stable_after_ms(), 10000u);
  EXPECT_EQ(t.shutdown_grace_ms(), 5000u);
  EXPECT_EQ(t.kill_after_ms(), 2000u);
  EXPECT_EQ(t.health_check_interval_ms(), 30000u);
  EXPECT_EQ(t.stats_log_interval_ms(), 10000u);
  EXPECT_EQ(t.resource_check_interval_ms(), 5000u);

  ASSERT_EQ(out.module_size(), 1);
  const auto& module = out.module(0);
  EXPECT_EQ(module.channel_capacity(), 100u);
  EXPECT_EQ(module.policy(), v1::DELIVERY_POLICY_DROP);
  EXPECT_EQ(module.restart(), v1::RESTART_POLICY_ON_FAILURE);

  // The input is left alone.
  EXPECT_EQ(config.default_channel_capacity(), 0u);
  EXPECT_FALSE(config.has_timings());
}

TEST(ConfigTest, ModuleCapacityInheritsTheNodeDefault) {
  v1::NodeConfig config;
  config.set_default_channel_capacity(250);
  *config.add_module() = validModule("inherits");
  v1::ModuleConfig own = validModule("own");
  own.set_channel_capacity(7);
  *config.add_module() = own;

  const v1::NodeConfig out = withDefaults(config);
  EXPECT_EQ(out.default_channel_capacity(), 250u);
  EXPECT_EQ(out.module(0).channel_capacity(), 250u);
  EXPECT_EQ(out.module(1).channel_capacity(), 7u);

  // The same rule for one module at a time (load of a module defined later).
  EXPECT_EQ(moduleWithDefaults(validModule(), config).channel_capacity(), 250u);
  EXPECT_EQ(moduleWithDefaults(validModule(), v1::NodeConfig()).channel_capacity(),
            ipc::kDefaultChannelCapacity);
}

TEST(ConfigTest, WithDefaultsKeepsExplicitValues) {
  auto config = parseOk(R"pb(
    default_channel_capacity: 42
    max_message_bytes: 65536
    module_request_rate: 77
    module {
      name: "custom"
      exec: "x"
      channel_capacity: 9
      policy: DELIVERY_POLICY_BLOCK
      restart: RESTART_POLICY_NEVER
    }
    timings {
      handshake_timeout_ms: 110
      heartbeat_interval_ms: 100
      missed_heartbeats: 13
      dead_timeout_ms: 1400
      stall_timeout_ms: 150
      block_timeout_ms: 16
      restart_backoff_initial_ms: 17
      restart_backoff_max_ms: 18
      crash_limit: 19
      crash_window_ms: 20
      stable_after_ms: 21
      shutdown_grace_ms: 22
      kill_after_ms: 23
      health_check_interval_ms: 240
      stats_log_interval_ms: 250
      resource_check_interval_ms: 260
    }
    log { level: "warn" }
  )pb");
  const v1::NodeConfig out = withDefaults(config);
  EXPECT_EQ(out.default_channel_capacity(), 42u);
  EXPECT_EQ(out.max_message_bytes(), 65536u);
  EXPECT_EQ(out.module_request_rate(), 77u);
  EXPECT_EQ(out.log().level(), "warn");
  const auto& module = out.module(0);
  EXPECT_EQ(module.channel_capacity(), 9u);
  EXPECT_EQ(module.policy(), v1::DELIVERY_POLICY_BLOCK);
  EXPECT_EQ(module.restart(), v1::RESTART_POLICY_NEVER);
  const auto& t = out.timings();
  EXPECT_EQ(t.handshake_timeout_ms(), 110u);
  EXPECT_EQ(t.heartbeat_interval_ms(), 100u);
  EXPECT_EQ(t.missed_heartbeats(), 13u);
  EXPECT_EQ(t.dead_timeout_ms(), 1400u);
  EXPECT_EQ(t.stall_timeout_ms(), 150u);
  EXPECT_EQ(t.block_timeout_ms(), 16u);
  EXPECT_EQ(t.restart_backoff_initial_ms(), 17u);
  EXPECT_EQ(t.restart_backoff_max_ms(), 18u);
  EXPECT_EQ(t.crash_limit(), 19u);
  EXPECT_EQ(t.crash_window_ms(), 20u);
  EXPECT_EQ(t.stable_after_ms(), 21u);
  EXPECT_EQ(t.shutdown_grace_ms(), 22u);
  EXPECT_EQ(t.kill_after_ms(), 23u);
  EXPECT_EQ(t.health_check_interval_ms(), 240u);
  EXPECT_EQ(t.stats_log_interval_ms(), 250u);
  EXPECT_EQ(t.resource_check_interval_ms(), 260u);
}

TEST(ConfigTest, EmbeddedDefaultParsesValidatesAndDefinesTheShippedModules) {
  auto config = parseConfig(embeddedDefaultConfig(), "<embedded>");
  ASSERT_TRUE(config.ok()) << config.error().message;
  auto status = validateConfig(*config);
  EXPECT_TRUE(status.ok()) << status.error().message;

  std::vector<std::string> names;
  for (const auto& module : config->module())
    names.push_back(module.name());
  EXPECT_EQ(names, (std::vector<std::string>{"chainsim", "logger", "slowpoke", "pyarchiver"}));

  const auto& chainsim = config->module(0);
  EXPECT_EQ(chainsim.exec(), "plexus-chainsim");
  EXPECT_EQ(chainsim.capabilities().publish_size(), 2);
  EXPECT_EQ(config->module(2).channel_capacity(), 20u);
  EXPECT_EQ(config->module(3).exec(), "plexus-pyarchiver");  // a Python module, beside the node

  const v1::NodeConfig filled = withDefaults(*config);
  EXPECT_EQ(filled.module(1).channel_capacity(), 100u);  // logger inherits the default
  EXPECT_EQ(filled.module(2).channel_capacity(), 20u);
  EXPECT_TRUE(validateConfig(filled).ok());
}

}  // namespace
}  // namespace plexus::host
