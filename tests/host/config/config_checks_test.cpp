// Config range and text checks: every numeric field has a documented range, values outside it
// are refused with the file's line and column (or the field, for a config built in memory as
// `plexusctl load` does), the timing relations hold, strings must be UTF-8, and a config path
// that is not a readable regular file is an error, never an empty config.

#include "config/config_checks.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "config/config.h"
#include "config_test_support.h"

namespace plexus::host {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using testing::expectInvalid;

void collectNumeric(const Descriptor& message, std::set<std::string>& out,
                    std::set<const Descriptor*>& seen) {
  if (!seen.insert(&message).second) return;
  for (int i = 0; i < message.field_count(); ++i) {
    const FieldDescriptor& field = *message.field(i);
    if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!field.is_map()) collectNumeric(*field.message_type(), out, seen);
      continue;
    }
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_UINT64:
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64:
        out.insert(message.name() + "." + field.name());
        break;
      default:
        break;
    }
  }
}

TEST(ConfigChecksTest, EveryNumericFieldHasARange) {
  std::set<std::string> numeric;
  std::set<const Descriptor*> seen;
  collectNumeric(*v1::NodeConfig::descriptor(), numeric, seen);
  std::set<std::string> ranged;
  for (const auto& range : fieldRanges()) {
    ranged.insert(std::string(range.field));
    EXPECT_LE(range.min, range.max) << range.field;
    EXPECT_GT(range.min, 0u) << range.field << ": 0 is the default, not a value";
  }
  EXPECT_EQ(numeric, ranged);
}

TEST(ConfigChecksTest, OutOfRangeNamesFileLineColumnAndValidRange) {
  expectInvalid(parseConfig("module { name: \"a\" exec: \"x\" }\n"
                            "timings {\n  dead_timeout_ms: 18446744073709551615\n}\n",
                            "node.cfg"),
                {"node.cfg:3:3: timings.dead_timeout_ms: 18446744073709551615 is out of range",
                 "valid: 10..86400000", "0 (default 10000)"});
  expectInvalid(parseConfig("timings { health_check_interval_ms: 10000000000000 }", "n.cfg"),
                {"n.cfg:1:11: timings.health_check_interval_ms"});
  expectInvalid(parseConfig("timings { stats_log_interval_ms: 18446744073709551615 }", "n.cfg"),
                {"timings.stats_log_interval_ms"});
  expectInvalid(parseConfig("timings { shutdown_grace_ms: 10000000000000 }", "n.cfg"),
                {"timings.shutdown_grace_ms"});
  expectInvalid(parseConfig("max_message_bytes: 16", "n.cfg"),
                {"n.cfg:1:1: max_message_bytes: 16 is out of range"});
}

TEST(ConfigChecksTest, ModuleFieldsAreNamedByModule) {
  expectInvalid(parseConfig("module { name: \"a\" exec: \"x\" }\n"
                            "module {\n  name: \"b\"\n  exec: \"y\"\n"
                            "  limits { open_files: 3 }\n}\n",
                            "n.cfg"),
                {"n.cfg:5:12: module 'b'.limits.open_files: 3 is out of range"});
}

TEST(ConfigChecksTest, ZeroStillMeansTheDefaultAndBoundsAreInclusive) {
  auto config = parseConfig(
      "timings { dead_timeout_ms: 0 block_timeout_ms: 3600000 }\n"
      "maintenance { operation: MAINTENANCE_OPERATION_FLUSH interval_ms: 10 "
      "}\nmax_message_bytes: 65536",
      "n.cfg");
  EXPECT_TRUE(config.ok()) << config.error().message;
  expectInvalid(parseConfig("timings { block_timeout_ms: 3600001 }", "n.cfg"),
                {"block_timeout_ms: 3600001"});
}

TEST(ConfigChecksTest, DeadTimeoutMustExceedMissedHeartbeats) {
  // 3 x 1000 (defaults) against 2000: an idle module would be killed.
  expectInvalid(parseConfig("timings {\n  dead_timeout_ms: 2000\n}", "n.cfg"),
                {"n.cfg:2:3: timings.dead_timeout_ms (2000) must be above missed_heartbeats x "
                 "heartbeat_interval_ms (3 x 1000)"});
  // Only the heartbeat is set: it is the one named.
  expectInvalid(parseConfig("timings { heartbeat_interval_ms: 5000 }", "n.cfg"),
                {"n.cfg:1:11: timings.dead_timeout_ms (10000)"});
  EXPECT_TRUE(parseConfig("timings { heartbeat_interval_ms: 200 dead_timeout_ms: 601 }", "n").ok());
  // A config built in memory is checked the same way.
  v1::NodeConfig config;
  config.mutable_timings()->set_dead_timeout_ms(100);
  auto status = validateConfig(config);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("timings.dead_timeout_ms (100)"), std::string::npos);
}

TEST(ConfigChecksTest, BackoffInitialNotAboveMax) {
  expectInvalid(parseConfig("timings { restart_backoff_initial_ms: 60000 }", "n.cfg"),
                {"n.cfg:1:11: timings.restart_backoff_initial_ms (60000) must not be above "
                 "restart_backoff_max_ms (30000)"});
}

TEST(ConfigChecksTest, StringsMustBeUtf8) {
  // \377 is a single byte 0xff: legal in a Linux path, not UTF-8.
  expectInvalid(parseConfig("module { name: \"a\"\n exec: \"/opt/\\377x\" }", "n.cfg"),
                {"n.cfg:2:2: module 'a'.exec: is not valid UTF-8"});
  expectInvalid(parseConfig("runtime_dir: \"/run/\\300\\200\"", "n.cfg"),
                {"runtime_dir: is not valid UTF-8"});
  expectInvalid(
      parseConfig(
          "module { name: \"a\" exec: \"x\" settings { key: \"k\" value: \"\\355\\240\\200\" "
          "} }",
          "n.cfg"),
      {"module 'a'.settings.value: is not valid UTF-8"});
  EXPECT_TRUE(parseConfig("module { name: \"a\" exec: \"/opt/caf\\303\\251\" }", "n").ok());
}

TEST(ConfigChecksTest, ALoadedModuleIsCheckedWithoutAFile) {
  // What `plexusctl load` sends: a ModuleConfig, no text to point into.
  v1::ModuleConfig module;
  module.set_name("archiver");
  module.set_exec("/opt/archiver");
  module.set_channel_capacity(2'000'000);
  auto status = validateModule(module);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message,
            "module 'archiver': channel_capacity: 2000000 is out of range (valid: 1..1000000, or 0 "
            "(default_channel_capacity))");
  module.set_channel_capacity(10);
  module.set_exec("/opt/\xff");
  status = validateModule(module);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, "module 'archiver': exec: is not valid UTF-8");
  module.set_exec("/opt/archiver");
  (*module.mutable_settings())["out"] = "\xc0\xaf";  // overlong '/'
  EXPECT_FALSE(validateModule(module).ok());
}

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = std::filesystem::temp_directory_path() /
            ("plexus-config-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(m_dir);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  std::filesystem::path m_dir;
};

TEST_F(ConfigFileTest, ADirectoryIsNotAnEmptyConfig) {
  auto config = loadConfigFile(m_dir.string());
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("is not a regular file"), std::string::npos);
}

TEST_F(ConfigFileTest, AMissingFileOrAFifoIsAnError) {
  EXPECT_FALSE(loadConfigFile((m_dir / "missing.cfg").string()).ok());
  const auto fifo = m_dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto config = loadConfigFile(fifo.string());  // would block reading a FIFO
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("is not a regular file"), std::string::npos);
}

TEST_F(ConfigFileTest, AnUnreadableFileIsAnError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every file";
  const auto path = m_dir / "secret.cfg";
  std::ofstream(path) << "default_channel_capacity: 5\n";
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  auto config = loadConfigFile(path.string());
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("cannot read config file"), std::string::npos);
}

}  // namespace
}  // namespace plexus::host
