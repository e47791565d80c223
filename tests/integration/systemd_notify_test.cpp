// systemd's readiness protocol, end to end: the real plexus-node with real modules, its
// NOTIFY_SOCKET an AF_UNIX datagram socket this test owns (as systemd's would be for
// Type=notify). READY=1 comes once every module settled (a module that cannot even be spawned
// does not hold it), or at the ready timeout with STATUS= naming a module that never connects;
// STOPPING=1 when a SIGTERM starts the shutdown.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>

#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The service manager's end: a datagram socket, its path exported as NOTIFY_SOCKET to the
// processes started while it lives.
class NotifySocket {
 public:
  NotifySocket() : m_path(m_dir / "notify.sock") {
    m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    m_path.string().copy(address.sun_path, sizeof address.sun_path - 1);
    if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      throw std::runtime_error("cannot bind the notify socket");
    }
    ::setenv("NOTIFY_SOCKET", m_path.c_str(), 1);
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(m_fd);
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  // The next datagram, or nullopt after `timeout`.
  std::optional<std::string> next(std::chrono::milliseconds timeout = 20s) {
    pollfd entry{m_fd, POLLIN, 0};
    if (::poll(&entry, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    char buffer[4096];
    const ssize_t got = ::recv(m_fd, buffer, sizeof buffer, 0);
    if (got < 0) return std::nullopt;
    return std::string(buffer, static_cast<std::size_t>(got));
  }

  // Reads messages until one contains `needle`; every message read lands in `seen`.
  std::optional<std::string> until(const std::string& needle, std::vector<std::string>& seen,
                                   std::chrono::milliseconds timeout = 20s) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto message =
          next(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
      if (!message) return std::nullopt;
      seen.push_back(*message);
      if (message->find(needle) != std::string::npos) return message;
    }
    return std::nullopt;
  }

 private:
  TempDir m_dir{"pxnotify"};
  std::filesystem::path m_path;
  int m_fd = -1;
};

std::string joined(const std::vector<std::string>& messages) {
  std::string out;
  for (const auto& message : messages)
    out += "[" + message + "]\n";
  return out;
}

TEST(SystemdNotifyTest, ReadyOnceEveryModuleSettledThenStoppingOnSigterm) {
  NotifySocket notify;
  TestNode node(ModuleSpec{"alpha", {}, {"--report", "/dev/null"}}.text() +
                ModuleSpec{"beta", {}, {"--report", "/dev/null"}}.text() +
                ModuleSpec{"broken", "/nonexistent/plexus-module"}.text());
  node.start();
  std::vector<std::string> seen;
  auto ready = notify.until("READY=1", seen);
  ASSERT_TRUE(ready) << joined(seen) << node.log();
  // At READY=1 no module is still on its way.
  for (const auto& info : node.modules()) {
    EXPECT_TRUE(info.state() == v1::MODULE_STATE_READY || info.state() == v1::MODULE_STATE_FAILED)
        << info.module_id() << " " << v1::ModuleState_Name(info.state());
  }
  EXPECT_EQ(node.module("broken")->state(), v1::MODULE_STATE_FAILED);
  EXPECT_NE(ready->find("STATUS=3 modules: 2 ready, 1 failed"), std::string::npos) << *ready;
  for (std::size_t i = 0; i + 1 < seen.size(); ++i) {
    EXPECT_EQ(seen[i].find("READY=1"), std::string::npos) << joined(seen);
    EXPECT_EQ(seen[i].rfind("STATUS=starting: 3 modules", 0), 0u) << joined(seen);
  }

  ASSERT_EQ(::kill(node.pid(), SIGTERM), 0);
  auto stopping = notify.until("STOPPING=1", seen);
  ASSERT_TRUE(stopping) << joined(seen) << node.log();
  EXPECT_NE(stopping->find("STATUS=stopping: 3 modules"), std::string::npos) << *stopping;
  auto status = node.stop(SIGTERM);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << node.log();
}

TEST(SystemdNotifyTest, AModuleThatNeverConnectsIsNamedAtTheReadyTimeout) {
  NotifySocket notify;
  // `sleep` is spawned like a module but never connects: starting until its handshake timeout,
  // far beyond the ready timeout.
  TestNode node(
      ModuleSpec{"alpha", {}, {"--report", "/dev/null"}}.text() +
          ModuleSpec{"sleeper", "/bin/sleep", {"60"}}.text(),
      "  handshake_timeout_ms: 30000\n  ready_timeout_ms: 1500\n  shutdown_grace_ms: 300\n");
  const auto started = Clock::now();
  node.start();
  std::vector<std::string> seen;
  auto ready = notify.until("READY=1", seen);
  const auto took = Clock::now() - started;
  ASSERT_TRUE(ready) << joined(seen) << node.log();
  EXPECT_GE(took, 1400ms);
  EXPECT_LT(took, 10s);
  EXPECT_NE(ready->find("STATUS=2 modules: 1 ready, 1 starting; not ready after 1500 ms: "
                        "sleeper (starting)"),
            std::string::npos)
      << *ready;
  EXPECT_EQ(node.module("sleeper")->state(), v1::MODULE_STATE_STARTING);
  EXPECT_EQ(node.module("alpha")->state(), v1::MODULE_STATE_READY);
  EXPECT_NE(node.log().find("READY=1 to the service manager at the ready timeout"),
            std::string::npos)
      << node.log();
  auto status = node.stop(SIGTERM);
  ASSERT_TRUE(status);
  EXPECT_TRUE(notify.until("STOPPING=1", seen, 1s)) << joined(seen);
}

TEST(SystemdNotifyTest, WatchdogPingsAtHalfTheIntervalSystemdAsksFor) {
  NotifySocket notify;
  ::setenv("WATCHDOG_USEC", "200000", 1);  // WatchdogSec=200ms; no WATCHDOG_PID: any pid
  const auto started = Clock::now();
  TestNode node("");
  node.start();
  ::unsetenv("WATCHDOG_USEC");
  // Everything the node sends in its first second: a ping at start, then one per 100 ms.
  std::vector<std::string> seen;
  const auto window = started + 1s;
  while (Clock::now() < window) {
    auto message =
        notify.next(std::chrono::duration_cast<std::chrono::milliseconds>(window - Clock::now()));
    if (message) seen.push_back(*message);
  }
  const auto pings = std::count(seen.begin(), seen.end(), "WATCHDOG=1");
  EXPECT_GE(pings, 7) << joined(seen);  // about 11; 200 ms apart would be 6 at most
  EXPECT_LE(pings, 15) << joined(seen);
  EXPECT_NE(node.log().find("WATCHDOG=1 every 100 ms"), std::string::npos) << node.log();
  node.stop(SIGTERM);
}

TEST(SystemdNotifyTest, ANodeWithoutModulesIsReadyAtOnceAndWithoutTheSocketSendsNothing) {
  {
    NotifySocket notify;
    TestNode node("");
    node.start();
    std::vector<std::string> seen;
    auto ready = notify.until("READY=1", seen, 5s);
    ASSERT_TRUE(ready) << joined(seen) << node.log();
    EXPECT_EQ(*ready, "READY=1\nSTATUS=0 modules");
    node.stop(SIGTERM);
  }
  // No NOTIFY_SOCKET: the node runs as before and says nothing about readiness.
  ASSERT_EQ(std::getenv("NOTIFY_SOCKET"), nullptr);
  TestNode node(ModuleSpec{"alpha", {}, {"--report", "/dev/null"}}.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  EXPECT_EQ(node.log().find("to the service manager"), std::string::npos) << node.log();
  auto status = node.stop(SIGTERM);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}

}  // namespace
}  // namespace plexus::test
