// The real ProcessSpawner with real processes on a real EventLoop: the token on stdin and the
// environment reach the child, an exit is reported once with its code or signal, signalGroup()
// reaches the process and its group, what is left of the group dies with the process, an
// abandoned process is killed and never reported, and an unstartable executable fails.

#include "supervision/process_spawner.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/event_loop.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

class ProcessSpawnerTest : public ::testing::Test {
 protected:
  ~ProcessSpawnerTest() override {
    for (int fd : ownedFds)
      ::close(fd);
  }

  // Spawns `script` under /bin/sh; its exit lands in `exits` and stops the loop.
  SpawnedProcess spawnShell(const std::string& script, std::string stdinData = "",
                            std::map<std::string, std::string> env = {}) {
    SpawnRequest request;
    request.executable = "/bin/sh";
    request.args = {"-c", script};
    request.stdinData = std::move(stdinData);
    request.extraEnv = std::move(env);
    auto spawned = spawner->spawn(request, [this](ProcessExit exit) {
      exits.push_back(exit);
      loop.stop();
    });
    EXPECT_TRUE(spawned.ok()) << spawned.error().message;
    if (!spawned.ok()) return {};
    ownedFds.push_back(spawned->stdoutFd);
    ownedFds.push_back(spawned->stderrFd);
    return *spawned;
  }

  // Runs the loop until an exit stops it; false after 10 s.
  bool runUntilExit() {
    const auto before = exits.size();
    auto deadline = loop.runAfter(10s, [this] { loop.stop(); });
    loop.run();
    loop.cancel(deadline);
    return exits.size() > before;
  }

  // The first line the child writes to `fd`, waiting at most 10 s.
  static std::optional<std::string> readLine(int fd) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd item{fd, POLLIN, 0};
      if (::poll(&item, 1, 100) <= 0) continue;
      char c = 0;
      ssize_t n = ::read(fd, &c, 1);
      if (n <= 0) return std::nullopt;
      if (c == '\n') return line;
      line += c;
    }
    return std::nullopt;
  }

  EventLoop loop;
  std::unique_ptr<ProcessSpawner> spawner = makeProcessSpawner(loop);
  std::vector<ProcessExit> exits;
  std::vector<int> ownedFds;  // closed at the end
};

TEST_F(ProcessSpawnerTest, ReportsAnExitOnceWithItsCode) {
  spawnShell("exit 3");
  ASSERT_TRUE(runUntilExit());
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].code, 3);
  EXPECT_EQ(exits[0].signal, 0);
}

TEST_F(ProcessSpawnerTest, TheChildReadsItsStdinDataAndSeesItsEnvironment) {
  spawnShell("read line && test \"$line\" = token-1 && test \"$PLEXUS_TEST_VAR\" = yes",
             "token-1\n", {{"PLEXUS_TEST_VAR", "yes"}});
  ASSERT_TRUE(runUntilExit());
  EXPECT_EQ(exits.at(0).code, 0);
}

TEST_F(ProcessSpawnerTest, SignalGroupEndsTheProcessAndTheRestOfItsGroupDiesWithIt) {
  // The shell waits for a child of its own, in its process group.
  auto process = spawnShell("sleep 60 & echo $!; wait");
  auto child = readLine(process.stdoutFd);
  ASSERT_TRUE(child.has_value());
  const pid_t sleeper = std::stoi(*child);
  ASSERT_EQ(::kill(sleeper, 0), 0);

  const int sleeperExit = static_cast<int>(::syscall(SYS_pidfd_open, sleeper, 0));
  ASSERT_GE(sleeperExit, 0);
  ownedFds.push_back(sleeperExit);

  spawner->signalGroup(process.pid, SIGKILL);
  ASSERT_TRUE(runUntilExit());
  EXPECT_EQ(exits.at(0).code, -1);
  EXPECT_EQ(exits.at(0).signal, SIGKILL);
  // The sleeper was in the group: it ends too (its pidfd turns readable).
  pollfd item{sleeperExit, POLLIN, 0};
  EXPECT_EQ(::poll(&item, 1, 10000), 1);
}

TEST_F(ProcessSpawnerTest, SignalGroupWithTermReportsTheSignal) {
  auto process = spawnShell("exec sleep 60");
  spawner->signalGroup(process.pid, SIGTERM);
  ASSERT_TRUE(runUntilExit());
  EXPECT_EQ(exits.at(0).signal, SIGTERM);
}

TEST_F(ProcessSpawnerTest, AnAbandonedProcessIsKilledAndNeverReported) {
  auto process = spawnShell("exec sleep 60");
  spawner->abandon(process.pid);
  int status = 0;
  ASSERT_EQ(::waitpid(process.pid, &status, 0), process.pid);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  bool ran = false;
  loop.post([&] { ran = true; });
  loop.post([&] { loop.stop(); });
  loop.run();
  EXPECT_TRUE(ran);
  EXPECT_TRUE(exits.empty());
}

TEST_F(ProcessSpawnerTest, AnExecutableThatCannotStartFails) {
  SpawnRequest request;
  request.executable = "/nonexistent/plexus-nothing";
  auto spawned = spawner->spawn(request, [](ProcessExit) { ADD_FAILURE() << "no exit expected"; });
  ASSERT_FALSE(spawned.ok());
  EXPECT_NE(spawned.error().message.find("cannot start '/nonexistent/plexus-nothing'"),
            std::string::npos)
      << spawned.error().message;
}

}  // namespace
}  // namespace plexus::host
