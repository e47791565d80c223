// Supervisor on fakes: start -> handshake -> ready, the handshake's checks and grant, the
// handshake timeout, exits by the restart policy (backoff that doubles and resets once stable,
// the crash-rate limit, clean exits, a refused handshake), and spawn failures.

#include <gtest/gtest.h>

#include "plexus/ipc/protocol.h"
#include "supervision/supervisor_fixture.h"

namespace plexus::host {
namespace {

class SupervisorLifecycleTest : public SupervisorFixture {};

TEST_F(SupervisorLifecycleTest, StartsEveryEnabledModuleWithItsTokenAndEnvironment) {
  start(module("alpha", "args: \"--x\"") + module("beta", "disabled: true"));
  ASSERT_EQ(spawner.requests.size(), 1u);
  const SpawnRequest& request = spawner.requests[0];
  EXPECT_EQ(request.executable, "/bin/true");
  EXPECT_EQ(request.args, std::vector<std::string>{"--x"});
  EXPECT_EQ(request.extraEnv.at(ipc::kEnvModuleId), "alpha");
  EXPECT_EQ(request.extraEnv.at(ipc::kEnvEndpoint), "ipc:///tmp/plexus-test/modules");
  ASSERT_GT(request.stdinData.size(), 1u);
  EXPECT_EQ(request.stdinData.back(), '\n');
  EXPECT_TRUE(credentials.hasPending("alpha"));

  auto alpha = info("alpha");
  EXPECT_EQ(alpha.state(), v1::MODULE_STATE_STARTING);
  EXPECT_EQ(alpha.incarnation(), 1u);
  EXPECT_NE(alpha.pid(), 0u);
  EXPECT_TRUE(supervisor->isRunning("alpha"));
  EXPECT_FALSE(supervisor->isHandshaken("alpha"));
  EXPECT_EQ(state("beta"), v1::MODULE_STATE_STOPPED);
  EXPECT_FALSE(supervisor->isRunning("beta"));
}

TEST_F(SupervisorLifecycleTest, HandshakeThenReadyWithTheGrantOfItsConfiguration) {
  start(module("alpha", "channel_capacity: 7 settings { key: \"k\" value: \"v\" }"));
  v1::Handshake handshake;
  handshake.set_module_id("alpha");
  handshake.set_name("Alpha");
  handshake.set_version("2.1");
  auto grant = supervisor->onHandshake("alpha", handshake, ipc::kProtocolMinor);
  ASSERT_TRUE(grant.ok()) << grant.error().message;
  EXPECT_EQ(grant->capacity, 7u);
  EXPECT_EQ(grant->incarnation, 1u);
  EXPECT_EQ(grant->heartbeatIntervalMs, 200u);
  EXPECT_EQ(grant->settings.at("k"), "v");
  EXPECT_EQ(state("alpha"), v1::MODULE_STATE_HANDSHAKING);
  EXPECT_TRUE(supervisor->isHandshaken("alpha"));

  timers.advance(50ms);
  supervisor->onReady("alpha");
  auto alpha = info("alpha");
  EXPECT_EQ(alpha.state(), v1::MODULE_STATE_READY);
  EXPECT_EQ(alpha.name(), "Alpha");
  EXPECT_EQ(alpha.version(), "2.1");
  EXPECT_EQ(alpha.health(), v1::HEALTH_HEALTHY);
  timers.advance(300ms);
  EXPECT_EQ(info("alpha").uptime_ms(), 300u);

  // The handshake timeout was cancelled with the ready.
  supervisor->onTraffic("alpha");
  timers.advance(kHandshakeTimeout);
  EXPECT_TRUE(spawner.signals.empty());
}

TEST_F(SupervisorLifecycleTest, HandshakeIsRefusedWhenNotRunningMisnamedOrRepeated) {
  start(module("alpha") + module("idle", "disabled: true"));
  v1::Handshake handshake;
  handshake.set_module_id("idle");
  auto notRunning = supervisor->onHandshake("idle", handshake, ipc::kProtocolMinor);
  ASSERT_FALSE(notRunning.ok());
  EXPECT_EQ(notRunning.error().code, v1::ERROR_CODE_NOT_FOUND);

  auto misnamed = supervisor->onHandshake("alpha", handshake, ipc::kProtocolMinor);
  ASSERT_FALSE(misnamed.ok());
  EXPECT_EQ(misnamed.error().code, v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(state("alpha"), v1::MODULE_STATE_STARTING);

  handshake.set_module_id("alpha");
  ASSERT_TRUE(supervisor->onHandshake("alpha", handshake, ipc::kProtocolMinor).ok());
  auto again = supervisor->onHandshake("alpha", handshake, ipc::kProtocolMinor);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, v1::ERROR_CODE_INVALID_ARGUMENT);
}

TEST_F(SupervisorLifecycleTest, NoHandshakeInTimeIsKilledAndCountsAsACrash) {
  start(module("slow"));
  const pid_t first = pid("slow");
  timers.advance(kHandshakeTimeout - 1ms);
  EXPECT_TRUE(spawner.signals.empty());
  timers.advance(1ms);
  EXPECT_EQ(spawner.signalsTo(first), std::vector<int>{SIGKILL});

  spawner.exitSignal(first, SIGKILL);
  EXPECT_EQ(state("slow"), v1::MODULE_STATE_CRASHED);
  auto published = events.take();
  ASSERT_EQ(published.size(), 1u);
  const auto& crashed = published[0].module_crashed();
  EXPECT_EQ(crashed.reason(), "handshake timeout (1000 ms)");
  EXPECT_EQ(crashed.signal(), SIGKILL);
  EXPECT_EQ(crashed.exit_code(), -1);
  EXPECT_TRUE(crashed.restart_scheduled());
  EXPECT_EQ(crashed.restart_in_ms(), 100u);
  EXPECT_EQ(crashed.incarnation(), 1u);
  EXPECT_FALSE(credentials.hasPending("slow"));
}

TEST_F(SupervisorLifecycleTest, CrashRestartsAfterABackoffThatDoubles) {
  start(module("phoenix"));
  connect("phoenix");
  spawner.exitSignal(pid("phoenix"), SIGSEGV);
  auto first = info("phoenix");
  EXPECT_EQ(first.state(), v1::MODULE_STATE_CRASHED);
  EXPECT_EQ(first.pid(), 0u);
  EXPECT_EQ(first.last_exit(), describeExit(-1, SIGSEGV));
  EXPECT_EQ(events.take().at(0).module_crashed().restart_in_ms(), 100u);

  expectSpawnAfter(kBackoff);
  auto second = info("phoenix");
  EXPECT_EQ(second.state(), v1::MODULE_STATE_STARTING);
  EXPECT_EQ(second.incarnation(), 2u);
  EXPECT_EQ(second.restarts(), 1u);

  // Ready, but not for stable_after: the next delay doubles.
  connect("phoenix");
  keepAlive("phoenix", kStableAfter - 1ms);
  spawner.exitCode(pid("phoenix"), 3);
  auto crashed = events.take().at(0).module_crashed();
  EXPECT_EQ(crashed.reason(), "exit 3");
  EXPECT_EQ(crashed.exit_code(), 3);
  EXPECT_EQ(crashed.restart_in_ms(), 200u);
  EXPECT_EQ(crashed.incarnation(), 2u);
  expectSpawnAfter(200ms);
  EXPECT_EQ(info("phoenix").incarnation(), 3u);
}

TEST_F(SupervisorLifecycleTest, BackoffResetsOnceAnIncarnationStayedReadyLongEnough) {
  start(module("cycler", "restart: RESTART_POLICY_ALWAYS"));  // clean exits: never a crash
  spawner.exitCode(pid("cycler"), 0);
  expectSpawnAfter(kBackoff);
  connect("cycler");
  spawner.exitCode(pid("cycler"), 0);
  expectSpawnAfter(200ms);
  connect("cycler");
  keepAlive("cycler", kStableAfter);
  spawner.exitCode(pid("cycler"), 0);
  expectSpawnAfter(kBackoff);
  EXPECT_EQ(events.takeTypes(), std::vector<v1::EventType>(3, v1::EVENT_TYPE_MODULE_UNLOADED));
}

TEST_F(SupervisorLifecycleTest, CrashRateLimitEndsInFailedWithoutRestart) {
  start(module("fragile"));
  for (int crash = 1; crash <= 2; ++crash) {
    spawner.exitSignal(pid("fragile"), SIGABRT);
    ASSERT_EQ(state("fragile"), v1::MODULE_STATE_CRASHED);
    timers.advance(1000ms);  // past any backoff
    ASSERT_EQ(spawner.requests.size(), static_cast<std::size_t>(crash + 1));
  }
  events.take();
  spawner.exitSignal(pid("fragile"), SIGABRT);  // the third within the window
  EXPECT_EQ(state("fragile"), v1::MODULE_STATE_FAILED);
  auto crashed = events.take().at(0).module_crashed();
  EXPECT_FALSE(crashed.restart_scheduled());
  EXPECT_EQ(crashed.restart_in_ms(), 0u);
  timers.advance(60s);
  EXPECT_EQ(spawner.requests.size(), 3u);
  EXPECT_EQ(info("fragile").restarts(), 2u);
}

TEST_F(SupervisorLifecycleTest, CleanExitIsUnloadedAndRestartedOnlyUnderAlways) {
  start(module("once") + module("again", "restart: RESTART_POLICY_ALWAYS") +
        module("never", "restart: RESTART_POLICY_NEVER"));
  spawner.exitCode(pid("once"), 0);
  spawner.exitCode(pid("again"), 0);
  spawner.exitSignal(pid("never"), SIGKILL);
  EXPECT_EQ(state("once"), v1::MODULE_STATE_STOPPED);
  EXPECT_EQ(state("again"), v1::MODULE_STATE_STOPPED);
  EXPECT_EQ(state("never"), v1::MODULE_STATE_CRASHED);
  auto published = events.take();
  ASSERT_EQ(published.size(), 3u);
  EXPECT_EQ(published[0].module_unloaded().module_id(), "once");
  EXPECT_EQ(published[0].module_unloaded().reason(), "exited");
  EXPECT_EQ(published[0].module_unloaded().incarnation(), 1u);
  EXPECT_EQ(published[1].module_unloaded().module_id(), "again");
  EXPECT_FALSE(published[2].module_crashed().restart_scheduled());

  timers.advance(10s);
  ASSERT_EQ(spawner.requests.size(), 4u);
  EXPECT_EQ(spawner.requests.back().extraEnv.at(ipc::kEnvModuleId), "again");
  EXPECT_EQ(state("again"), v1::MODULE_STATE_STARTING);
  EXPECT_EQ(state("once"), v1::MODULE_STATE_STOPPED);
}

TEST_F(SupervisorLifecycleTest, RefusedHandshakeEndsInFailedWithTheReason) {
  start(module("old"));
  supervisor->onHandshakeRefused("old", "protocol major 9, node speaks 1");
  spawner.exitCode(pid("old"), 1);
  EXPECT_EQ(state("old"), v1::MODULE_STATE_FAILED);
  auto crashed = events.take().at(0).module_crashed();
  EXPECT_EQ(crashed.reason(), "handshake refused: protocol major 9, node speaks 1");
  EXPECT_FALSE(crashed.restart_scheduled());
  timers.advance(10s);
  EXPECT_EQ(spawner.requests.size(), 1u);
}

TEST_F(SupervisorLifecycleTest, LimitsExplainTheSignalThatEndedIt) {
  start(module("greedy", "limits { cpu_seconds: 2 }"));
  spawner.exitSignal(pid("greedy"), SIGXCPU);
  EXPECT_EQ(events.take().at(0).module_crashed().reason(),
            describeExit(-1, SIGXCPU) + ": it used up its CPU time limit (limits.cpu_seconds = 2)");
}

TEST_F(SupervisorLifecycleTest, SpawnFailureLeavesItFailedWithTheReason) {
  spawner.failNext = "cannot start '/bin/true': no luck";
  start(module("broken") + module("missing", "disabled: true"));
  auto broken = info("broken");
  EXPECT_EQ(broken.state(), v1::MODULE_STATE_FAILED);
  EXPECT_EQ(broken.last_exit(), "cannot start '/bin/true': no luck");
  EXPECT_EQ(broken.incarnation(), 0u);
  EXPECT_FALSE(credentials.hasPending("broken"));

  v1::ModuleConfig missing;
  missing.set_name("missing");
  missing.set_exec("/nonexistent/plexus-missing");
  Reply reply;
  supervisor->load(missing, reply.callback());
  ASSERT_EQ(reply.calls, 1);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, v1::ERROR_CODE_UNAVAILABLE);
  EXPECT_NE(reply.error().message.find("not an executable file"), std::string::npos)
      << reply.error().message;
  EXPECT_EQ(state("missing"), v1::MODULE_STATE_FAILED);
  EXPECT_EQ(spawner.requests.size(), 1u);  // never spawned
}

}  // namespace
}  // namespace plexus::host
