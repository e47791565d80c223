// Signals and streams an operator meets (issue 10, item 7): SIGHUP stops the node gracefully,
// exactly like SIGTERM (NodeShutdown to the modules, exit 0, no socket or lock left behind); and
// a node whose stdout/stderr is a pipe nobody reads keeps serving - operators, events, module
// output - dropping and counting log lines, and reports the count once the stream drains.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>

#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

TEST(SignalsStreamsTest, SighupStopsTheNodeGracefully) {
  TempDir dir;
  const auto report = dir / "polite.report";
  TestNode node(
      ModuleSpec{"polite", {}, {"--report", report.string(), "--types", "NodeShutdown"}}.text() +
      ModuleSpec{"other", {}, {"--report", "/dev/null"}}.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  std::map<std::string, int> pids;
  for (const auto& info : node.modules())
    pids[info.module_id()] = info.pid();

  auto status = node.stop(SIGHUP, 30s);
  ASSERT_TRUE(status.has_value()) << node.log();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "wait status " << *status << "\n"
                                                               << node.log();
  EXPECT_TRUE(reportHas(report, "NodeShutdown host signal HUP")) << readFile(report);
  EXPECT_TRUE(reportHas(report, "exit 0"));
  for (const auto& [id, pid] : pids)
    EXPECT_FALSE(processAlive(pid)) << id << " (pid " << pid << ") outlived the node";
  for (const char* name : {"control.sock", "modules.sock", "plexus-node.lock"})
    EXPECT_FALSE(std::filesystem::exists(node.file(name))) << name << " left behind";
  EXPECT_NE(node.log().find("plexus-node stopped"), std::string::npos) << node.log();
}

// Reads what the pipe holds now (the read end is non-blocking).
std::string drain(int fd) {
  std::string out;
  char buffer[65536];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;)
    out.append(buffer, static_cast<std::size_t>(n));
  return out;
}

TEST(SignalsStreamsTest, ABlockedOutputStreamNeverStallsTheNode) {
  TempDir dir;
  const auto spammer = dir / "spammer.report";
  const auto sink = dir / "sink.report";
  TestNode node(
      ModuleSpec{"spammer", {}, {"--report", spammer.string(), "--spam-bytes", "1000000"}}.text() +
      ModuleSpec{"sink", {}, {"--report", sink.string()}}.text());
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ::fcntl(fds[0], F_SETPIPE_SZ, 4096);  // fills with the first lines of the log
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  node.start(fds[1]);  // waits for `status`: before the fix, the log blocked the loop here
  ::close(fds[1]);

  // The module's million bytes of output pass through the node's log; nobody reads it.
  ASSERT_TRUE(waitFor([&] { return reportHas(spammer, "spam-done"); }, 60s))
      << "the output pump stalled on the blocked log";
  ASSERT_TRUE(node.waitAllReady(30s));
  const auto status = runCtl(node, "status");
  EXPECT_EQ(status.exitCode, 0) << status.out;
  ASSERT_TRUE(node.publish(newBlock(5)).has_publish());
  EXPECT_TRUE(waitFor([&] { return reportHas(sink, "NewBlock operator 5"); }, 30s))
      << readFile(sink);

  // Stop while reading: the next log line is preceded by the count of lines dropped.
  ::kill(node.pid(), SIGTERM);
  std::string out;
  ASSERT_TRUE(waitFor(
      [&] {
        out += drain(fds[0]);
        return !node.running();
      },
      30s, 1ms));
  out += drain(fds[0]);
  ::close(fds[0]);
  EXPECT_NE(out.find(" log line(s) dropped: the log stream did not take them"), std::string::npos)
      << out.substr(0, 4000);
  EXPECT_NE(out.find("plexus-node stopped"), std::string::npos) << out.substr(0, 4000);
}

}  // namespace
}  // namespace plexus::test
