// plexus-node's exit status: 2 for usage and configuration errors (an unknown flag, a flag
// without its value, a config that does not parse or does not validate, a module executable
// --check-config cannot find), with the reason on stderr; 1 when the node cannot start (its
// runtime dir belongs to a running node); 0 after a shutdown by SIGTERM or SIGINT whatever the
// modules did (one crashed at start, one ignored NodeShutdown and SIGTERM).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

struct NodeRun {
  std::optional<int> exitCode;  // nullopt: it did not exit by itself within the deadline
  std::string output;           // stdout and stderr
};

// plexus-node with `args`, expected to exit on its own.
NodeRun runNode(const std::vector<std::string>& args) {
  TempDir dir("pxexit");
  const std::string outPath = (dir / "out").string();
  const pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> argv;
    std::string node = nodeBinary().string();
    argv.push_back(node.data());
    std::vector<std::string> copies = args;
    for (auto& arg : copies)
      argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(node.c_str(), argv.data());
    ::_exit(127);
  }
  NodeRun run;
  int status = 0;
  const bool exited = waitFor([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, 20s);
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  } else if (WIFEXITED(status)) {
    run.exitCode = WEXITSTATUS(status);
  }
  run.output = readFile(outPath);
  return run;
}

TEST(NodeExitTest, AnUnknownFlagIsAUsageError) {
  const auto run = runNode({"--bogus"});
  EXPECT_EQ(run.exitCode, 2) << run.output;
  EXPECT_NE(run.output.find("unknown argument '--bogus'"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("usage: plexus-node"), std::string::npos) << run.output;
}

TEST(NodeExitTest, AFlagWithoutItsValueIsAUsageError) {
  auto run = runNode({"--config"});
  EXPECT_EQ(run.exitCode, 2) << run.output;
  EXPECT_NE(run.output.find("--config needs a file"), std::string::npos) << run.output;
  run = runNode({"--runtime-dir"});
  EXPECT_EQ(run.exitCode, 2) << run.output;
}

TEST(NodeExitTest, AConfigThatDoesNotParseIsAConfigurationError) {
  TempDir dir;
  std::ofstream(dir / "bad.cfg") << "module { name: \"a\" exec: \n";  // cut short
  const auto run = runNode({"--config", (dir / "bad.cfg").string()});
  EXPECT_EQ(run.exitCode, 2) << run.output;
  EXPECT_NE(run.output.find("bad.cfg"), std::string::npos) << run.output;

  const auto missing = runNode({"--config", (dir / "missing.cfg").string()});
  EXPECT_EQ(missing.exitCode, 2) << missing.output;
}

TEST(NodeExitTest, AConfigThatDoesNotValidateIsAConfigurationError) {
  TempDir dir;
  std::ofstream(dir / "twice.cfg") << ModuleSpec{"twin"}.text() << ModuleSpec{"twin"}.text();
  const auto run = runNode({"--config", (dir / "twice.cfg").string()});
  EXPECT_EQ(run.exitCode, 2) << run.output;
  EXPECT_NE(run.output.find("module 'twin' is defined twice"), std::string::npos) << run.output;

  std::ofstream(dir / "level.cfg") << "log { level: \"loud\" }\n";
  const auto level = runNode({"--config", (dir / "level.cfg").string()});
  EXPECT_EQ(level.exitCode, 2) << level.output;
}

TEST(NodeExitTest, CheckConfigWithAMissingExecutableIsAConfigurationError) {
  TempDir dir;
  std::ofstream(dir / "node.cfg") << ModuleSpec{"ghost", "/nonexistent/plexus-ghost"}.text();
  auto run = runNode({"--config", (dir / "node.cfg").string(), "--check-config"});
  EXPECT_EQ(run.exitCode, 2) << run.output;
  EXPECT_NE(run.output.find("module 'ghost'"), std::string::npos) << run.output;

  std::ofstream(dir / "ok.cfg") << ModuleSpec{"probe"}.text();
  run = runNode({"--config", (dir / "ok.cfg").string(), "--check-config"});
  EXPECT_EQ(run.exitCode, 0) << run.output;
}

TEST(NodeExitTest, ANodeThatCannotStartExitsOne) {
  TestNode running(ModuleSpec{"probe", {}, {"--report", "/dev/null"}}.text());
  running.start();
  const auto second = runNode({"--config", running.file("node.cfg").string(), "--runtime-dir",
                               running.runtimeDir().string()});
  EXPECT_EQ(second.exitCode, 1) << second.output;
  EXPECT_NE(second.output.find("cannot run"), std::string::npos) << second.output;
  EXPECT_TRUE(running.running()) << "the first node is untouched";
}

TEST(NodeExitTest, ZeroAfterSigtermWhateverTheModulesDid) {
  TempDir dir;
  TestNode node(ModuleSpec{"crashes", "/bin/false"}.text() +
                    ModuleSpec{"defiant",
                               {},
                               {"--report", (dir / "defiant.report").string(), "--ignore-shutdown",
                                "--ignore-sigterm"}}
                        .text(),
                "  shutdown_grace_ms: 300\n  kill_after_ms: 300\n");
  node.start();
  ASSERT_TRUE(node.waitForState("defiant", v1::MODULE_STATE_READY)) << node.log();
  ASSERT_TRUE(waitFor([&] {
    auto info = node.module("crashes");
    return info && info->state() != v1::MODULE_STATE_STARTING &&
           info->state() != v1::MODULE_STATE_HANDSHAKING;
  })) << node.log();
  auto status = node.stop(SIGTERM);
  ASSERT_TRUE(status.has_value()) << node.log();
  EXPECT_TRUE(WIFEXITED(*status)) << *status;
  EXPECT_EQ(WEXITSTATUS(*status), 0) << node.log();
  EXPECT_NE(node.log().find("shutting down (signal TERM)"), std::string::npos) << node.log();
}

TEST(NodeExitTest, ZeroAfterSigint) {
  TestNode node(ModuleSpec{"polite", {}, {"--report", "/dev/null"}}.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  auto status = node.stop(SIGINT);
  ASSERT_TRUE(status.has_value()) << node.log();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status << "\n" << node.log();
}

}  // namespace
}  // namespace plexus::test
