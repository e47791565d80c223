// ModuleLauncher: the spawn request of an incarnation (executable, args, environment, token,
// limits), the record it leaves behind, failures (unresolvable exec, spawn error) that leave
// the record failed with the token revoked, exits routed with their incarnation, and the
// handshake timeout that kills only a module that has not become ready, and waits out the grace
// after a pause of the node.

#include "supervision/module_launcher.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <tuple>

#include "plexus/ipc/protocol.h"
#include "runtime/fake_timers.h"
#include "supervision/fake_spawner.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

class ModuleLauncherTest : public ::testing::Test {
 protected:
  ModuleRecord& record(const std::string& exec = "/bin/true") {
    v1::ModuleConfig config;
    config.set_name("alpha");
    config.set_exec(exec);
    config.add_args("--flag");
    config.mutable_limits()->set_address_space_bytes(1 << 30);
    config.mutable_limits()->set_open_files(64);
    config.mutable_limits()->set_cpu_seconds(9);
    m_record = std::make_unique<ModuleRecord>(timers, config, true, RestartTracker::Policy{});
    return *m_record;
  }

  FakeTimers timers;
  FakeSpawner spawner;
  ipc::ModuleCredentials credentials{::getuid()};
  OutputPump output;
  std::vector<std::tuple<std::string, std::uint64_t, ProcessExit>> exits;
  ModuleLauncher launcher{{timers, spawner, credentials, output,
                           [this](const std::string& id, std::uint64_t incarnation,
                                  ProcessExit exit) { exits.emplace_back(id, incarnation, exit); }},
                          "ipc:///run/modules",
                          "/",
                          1000ms};

 private:
  std::unique_ptr<ModuleRecord> m_record;
};

TEST_F(ModuleLauncherTest, SpawnsWithTokenEnvironmentAndLimits) {
  ModuleRecord& alpha = record();
  alpha.health = v1::HEALTH_UNHEALTHY;
  alpha.healthReason = "stale";
  alpha.readyAt = timers.now();
  ASSERT_TRUE(launcher.launch(alpha).ok());
  ASSERT_EQ(spawner.requests.size(), 1u);
  const SpawnRequest& request = spawner.requests[0];
  EXPECT_EQ(request.executable, "/bin/true");
  EXPECT_EQ(request.args, std::vector<std::string>{"--flag"});
  EXPECT_EQ(request.extraEnv.at(ipc::kEnvModuleId), "alpha");
  EXPECT_EQ(request.extraEnv.at(ipc::kEnvEndpoint), "ipc:///run/modules");
  // And the Python SDK beside this binary (the build tree's python/), first on PYTHONPATH, when
  // it was built: nothing else.
  if (auto python = request.extraEnv.find("PYTHONPATH"); python != request.extraEnv.end()) {
    const std::string first = python->second.substr(0, python->second.find(':'));
    EXPECT_TRUE(
        std::filesystem::is_regular_file(std::filesystem::path(first) / "plexus" / "__init__.py"))
        << python->second;
    EXPECT_EQ(request.extraEnv.size(), 3u);
  } else {
    EXPECT_EQ(request.extraEnv.size(), 2u);
  }
  EXPECT_EQ(request.limits.addressSpaceBytes, 1u << 30);
  EXPECT_EQ(request.limits.openFiles, 64u);
  EXPECT_EQ(request.limits.cpuSeconds, 9u);
  EXPECT_TRUE(credentials.hasPending("alpha"));
  ASSERT_EQ(request.stdinData.back(), '\n');

  EXPECT_EQ(alpha.state, v1::MODULE_STATE_STARTING);
  EXPECT_EQ(alpha.incarnation, 1u);
  EXPECT_NE(alpha.pid, 0);
  EXPECT_EQ(alpha.lastTraffic, timers.now());
  EXPECT_FALSE(alpha.readyAt.has_value());
  EXPECT_EQ(alpha.health, v1::HEALTH_HEALTHY);
  EXPECT_EQ(alpha.healthReason, "");
  EXPECT_TRUE(alpha.handshakeTimer.pending());
}

TEST_F(ModuleLauncherTest, EachIncarnationGetsAFreshTokenAndItsOwnExit) {
  ModuleRecord& alpha = record();
  ASSERT_TRUE(launcher.launch(alpha).ok());
  const pid_t first = alpha.pid;
  spawner.exitCode(first, 0);
  alpha.pid = 0;
  ASSERT_TRUE(launcher.launch(alpha).ok());
  spawner.exitSignal(alpha.pid, SIGTERM);
  EXPECT_NE(spawner.requests[0].stdinData, spawner.requests[1].stdinData);
  ASSERT_EQ(exits.size(), 2u);
  EXPECT_EQ(std::get<0>(exits[0]), "alpha");
  EXPECT_EQ(std::get<1>(exits[0]), 1u);
  EXPECT_EQ(std::get<2>(exits[0]).code, 0);
  EXPECT_EQ(std::get<1>(exits[1]), 2u);
  EXPECT_EQ(std::get<2>(exits[1]).signal, SIGTERM);
}

TEST_F(ModuleLauncherTest, AnExecutableThatCannotBeFoundFailsWithoutSpawning) {
  ModuleRecord& alpha = record("/nonexistent/plexus-alpha");
  auto status = launcher.launch(alpha);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, v1::ERROR_CODE_INTERNAL);
  EXPECT_EQ(alpha.state, v1::MODULE_STATE_FAILED);
  EXPECT_EQ(alpha.lastExit, status.error().message);
  EXPECT_TRUE(spawner.requests.empty());
  EXPECT_FALSE(credentials.hasPending("alpha"));
}

TEST_F(ModuleLauncherTest, ASpawnErrorFailsAndRevokesTheToken) {
  ModuleRecord& alpha = record();
  spawner.failNext = "cannot start: EAGAIN";
  auto status = launcher.launch(alpha);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(alpha.state, v1::MODULE_STATE_FAILED);
  EXPECT_EQ(alpha.lastExit, "cannot start: EAGAIN");
  EXPECT_EQ(alpha.incarnation, 0u);
  EXPECT_EQ(alpha.pid, 0);
  EXPECT_FALSE(credentials.hasPending("alpha"));
  EXPECT_FALSE(alpha.handshakeTimer.pending());
}

TEST_F(ModuleLauncherTest, HandshakeTimeoutKillsAModuleThatIsNotReady) {
  ModuleRecord& alpha = record();
  ASSERT_TRUE(launcher.launch(alpha).ok());
  alpha.state = v1::MODULE_STATE_HANDSHAKING;
  timers.advance(999ms);
  EXPECT_TRUE(spawner.signals.empty());
  timers.advance(1ms);
  EXPECT_EQ(spawner.signalsTo(alpha.pid), std::vector<int>{SIGKILL});
  EXPECT_EQ(alpha.killReason, "handshake timeout (1000 ms)");
}

// The node was paused just before the deadline: the handshake may wait in the socket, so the
// verdict waits for the end of the grace; a module that handshakes meanwhile is spared.
TEST_F(ModuleLauncherTest, HandshakeTimeoutWaitsOutTheGraceAfterAPauseOfTheNode) {
  ModuleRecord& alpha = record();
  ASSERT_TRUE(launcher.launch(alpha).ok());
  alpha.state = v1::MODULE_STATE_HANDSHAKING;
  timers.advance(990ms);
  timers.resumeAfterPause(300ms);
  timers.advance(299ms);
  EXPECT_TRUE(spawner.signals.empty()) << "judged during the grace";
  timers.advance(1ms);
  EXPECT_EQ(spawner.signalsTo(alpha.pid), std::vector<int>{SIGKILL});

  alpha.pid = 0;
  ASSERT_TRUE(launcher.launch(alpha).ok());
  alpha.state = v1::MODULE_STATE_HANDSHAKING;
  timers.advance(990ms);
  timers.resumeAfterPause(300ms);
  timers.advance(100ms);
  alpha.state = v1::MODULE_STATE_READY;  // its handshake, read after the resume
  timers.advance(1s);
  EXPECT_EQ(spawner.signalsTo(alpha.pid), std::vector<int>{});
}

TEST_F(ModuleLauncherTest, HandshakeTimeoutSparesAReadyOrStoppingModule) {
  ModuleRecord& alpha = record();
  for (auto state : {v1::MODULE_STATE_READY, v1::MODULE_STATE_STOPPING}) {
    alpha.pid = 0;
    ASSERT_TRUE(launcher.launch(alpha).ok());
    alpha.state = state;
    timers.advance(1000ms);
  }
  EXPECT_TRUE(spawner.signals.empty());
  EXPECT_EQ(alpha.killReason, "");
}

}  // namespace
}  // namespace plexus::host
