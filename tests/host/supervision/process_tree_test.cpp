// OrphanReaper with real processes: this test process becomes the child subreaper, so a daemon a
// shell starts in the background (setsid, its own session) is reparented to it when the shell
// exits. The daemon is attributed to its module by the PLEXUS_MODULE_ID in its environment: the
// exit of that module kills it, not another module's; killAll() kills every orphan; dead orphans
// are reaped. processTree() and environmentValue() read /proc.

#include "supervision/process_tree.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

bool waitFor(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);  // polling interval
  }
  return condition();
}

// A `sleep` in its own session, started by a shell that exits at once: an orphan of ours.
pid_t startDaemon(const std::string& moduleId) {
  const std::string command =
      "PLEXUS_MODULE_ID=" + moduleId + " setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $!";
  FILE* shell = ::popen(command.c_str(), "r");
  std::array<char, 32> line{};
  const bool read = std::fgets(line.data(), line.size(), shell) != nullptr;
  ::pclose(shell);
  return read ? static_cast<pid_t>(std::stoi(line.data())) : 0;
}

bool isOurChild(pid_t pid) {
  const auto children = childrenOf(::getpid());
  return std::find(children.begin(), children.end(), pid) != children.end();
}

bool gone(pid_t pid) {
  return !std::filesystem::exists("/proc/" + std::to_string(pid));
}

TEST(ProcessTreeTest, OrphansDieWithTheirModuleAndAllAtTheEnd) {
  OrphanReaper reaper([](pid_t) { return false; });
  ASSERT_TRUE(reaper.enabled());
  const pid_t alpha = startDaemon("alpha");
  const pid_t beta = startDaemon("beta");
  ASSERT_GT(alpha, 0);
  ASSERT_GT(beta, 0);
  ASSERT_TRUE(waitFor([&] { return isOurChild(alpha) && isOurChild(beta); }))
      << "reparented to the subreaper";
  ASSERT_TRUE(waitFor([&] {  // the shell's fork execs `setsid sleep` with the variable set
    return environmentValue(alpha, "PLEXUS_MODULE_ID") == "alpha" &&
           environmentValue(beta, "PLEXUS_MODULE_ID") == "beta";
  }));
  EXPECT_EQ(environmentValue(alpha, "NO_SUCH_VARIABLE"), std::nullopt);
  EXPECT_EQ(processTree(alpha), std::vector<pid_t>{alpha});

  EXPECT_EQ(reaper.moduleExited("gamma"), 0u);
  EXPECT_EQ(reaper.moduleExited("alpha"), 1u);
  EXPECT_TRUE(waitFor([&] {
    reaper.reap();
    return gone(alpha);
  })) << "killed and reaped";
  EXPECT_FALSE(gone(beta)) << "another module's daemon";

  EXPECT_EQ(reaper.killAll(), 1u);
  EXPECT_TRUE(waitFor([&] {
    reaper.reap();
    return gone(beta);
  }));
}

}  // namespace
}  // namespace plexus::host
