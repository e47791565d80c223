// Every bad setting refused, by the real plexus-node and plexusctl: a value outside its range is
// a configuration error naming the file's line and column (exit 2, for --check-config and for a
// start alike), a --config that is a directory is an error rather than an empty configuration,
// and `plexusctl load` of a module with an out-of-range or non-UTF-8 field is refused with the
// field named while the node keeps running.

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "test_node.h"

namespace plexus::test {
namespace {

std::string nodeWith(const std::filesystem::path& config, const std::string& flags) {
  return nodeBinary().string() + " --config " + config.string() + " " + flags + " 2>&1";
}

TEST(ConfigErrorsTest, AnOutOfRangeTimingIsRefusedWithItsLineAndColumn) {
  TempDir dir;
  const auto config = dir / "node.cfg";
  std::ofstream(config) << "module { name: \"a\" exec: \"plexus-logger\" }\n"
                        << "timings {\n  dead_timeout_ms: 18446744073709551615\n}\n";
  for (const std::string& flags :
       std::vector<std::string>{"--check-config", "--runtime-dir " + (dir / "run").string()}) {
    SCOPED_TRACE(flags);
    const CtlRun run = runCommand(nodeWith(config, flags));
    EXPECT_EQ(run.exitCode, 2) << run.out;
    EXPECT_NE(run.out.find(config.string() + ":3:3: timings.dead_timeout_ms: "
                                             "18446744073709551615 is out of range"),
              std::string::npos)
        << run.out;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "run" / "control.sock"));
}

TEST(ConfigErrorsTest, EveryFieldNamedInTheIssueIsRefused) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"timings { health_check_interval_ms: 10000000000000 }", "health_check_interval_ms"},
      {"timings { stats_log_interval_ms: 18446744073709551615 }", "stats_log_interval_ms"},
      {"timings { shutdown_grace_ms: 10000000000000 }", "shutdown_grace_ms"},
      {"timings { heartbeat_interval_ms: 1000 dead_timeout_ms: 900 }",
       "dead_timeout_ms (900) must be above"},
      {"max_message_bytes: 16", "max_message_bytes: 16 is out of range"},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    const auto config = dir / "node.cfg";
    std::ofstream(config) << text << "\n";
    const CtlRun run = runCommand(nodeWith(config, "--check-config"));
    EXPECT_EQ(run.exitCode, 2) << run.out;
    EXPECT_NE(run.out.find(expected), std::string::npos) << run.out;
  }
}

// Strings legal on Linux but not UTF-8 (an exec path, a setting value): refused naming the field,
// rather than a module crash-looping on a HandshakeAck that fails to parse.
TEST(ConfigErrorsTest, StringsThatAreNotUtf8AreRefusedNamingTheField) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"module { name: \"a\" exec: \"/tmp/\xff\" }", "exec"},
      {"module { name: \"a\" exec: \"plexus-logger\" settings { key: \"k\" value: \"\xfe\" } }",
       "value"},
  };
  for (const auto& [text, field] : cases) {
    SCOPED_TRACE(field);
    const auto config = dir / "node.cfg";
    std::ofstream(config) << text << "\n";
    const CtlRun run = runCommand(nodeWith(config, "--check-config"));
    EXPECT_EQ(run.exitCode, 2) << run.out;
    EXPECT_NE(run.out.find("UTF-8"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find(field), std::string::npos) << run.out;
    EXPECT_NE(run.out.find(config.string() + ":1:"), std::string::npos) << run.out;
  }
}

TEST(ConfigErrorsTest, ADirectoryAsConfigIsAnErrorNotAnEmptyConfig) {
  TempDir dir;
  const CtlRun run = runCommand(nodeWith(dir.path(), "--check-config"));
  EXPECT_EQ(run.exitCode, 2) << run.out;
  EXPECT_NE(run.out.find("is not a regular file"), std::string::npos) << run.out;
}

TEST(ConfigErrorsTest, ALoadWithABadFieldIsRefusedAndTheNodeRuns) {
  TestNode node("");
  node.start();
  const std::string exec = probeBinary().string();
  CtlRun run = runCtl(node, "load big --exec " + exec + " --capacity 2000000", true);
  EXPECT_NE(run.exitCode, 0) << run.out;
  EXPECT_NE(run.out.find("channel_capacity: 2000000 is out of range"), std::string::npos)
      << run.out;
  // A path legal on Linux but not UTF-8: refused with the field named, not "not reachable".
  run = runCtl(node, "load odd --exec $(printf '/tmp/\\377')", true);
  EXPECT_EQ(run.exitCode, 2) << run.out;
  EXPECT_NE(run.out.find("load: --exec '/tmp/\\xff' is not valid UTF-8"), std::string::npos)
      << run.out;
  EXPECT_EQ(run.out.find("libprotobuf"), std::string::npos) << run.out;
  EXPECT_FALSE(node.module("big").has_value());
  EXPECT_FALSE(node.module("odd").has_value());
  EXPECT_TRUE(node.running());
}

// A runtime dir that is legal on Linux but not UTF-8, from --runtime-dir or $XDG_RUNTIME_DIR:
// refused at start (exit 2, naming where it came from) rather than a node whose every status
// reply fails to parse. `timeout` only bounds a node that would wrongly start.
TEST(ConfigErrorsTest, ARuntimeDirThatIsNotUtf8IsRefusedNamingItsSource) {
  TempDir dir;
  const auto config = dir / "node.cfg";
  std::ofstream(config) << "module { name: \"a\" exec: \"plexus-logger\" }\n";
  const std::string odd = (dir / "run-").string() + "$(printf '\\377')";
  const std::string node =
      "timeout -s KILL 30 " + nodeBinary().string() + " --config " + config.string();
  for (const std::string& flags : {std::string(), std::string(" --check-config")}) {
    SCOPED_TRACE(flags);
    CtlRun run = runCommand(
        std::string(node).append(flags).append(" --runtime-dir ").append(odd).append(" 2>&1"));
    EXPECT_EQ(run.exitCode, 2) << run.out;
    EXPECT_NE(
        run.out.find("--runtime-dir '" + (dir / "run-").string() + "\\xff' is not valid UTF-8"),
        std::string::npos)
        << run.out;
    run = runCommand(std::string("XDG_RUNTIME_DIR=")
                         .append(odd)
                         .append(" ")
                         .append(node)
                         .append(flags)
                         .append(" 2>&1"));
    EXPECT_EQ(run.exitCode, 2) << run.out;
    EXPECT_NE(
        run.out.find("$XDG_RUNTIME_DIR '" + (dir / "run-").string() + "\\xff' is not valid UTF-8"),
        std::string::npos)
        << run.out;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename(), "node.cfg") << "nothing created";
}

}  // namespace
}  // namespace plexus::test
