// Supervisor on fakes: the operator's commands and the node's stop. Unload asks with Goodbye,
// then escalates (grace -> SIGTERM -> SIGKILL) and replies once the process exited; reload
// restarts and replies once ready; load starts a configured or a new module; shutdown stops
// every module without a Goodbye (the node sends NodeShutdown) and reports when all are gone.

#include <gtest/gtest.h>

#include "plexus/ipc/protocol.h"
#include "supervision/supervisor_fixture.h"

namespace plexus::host {
namespace {

class SupervisorCommandsTest : public SupervisorFixture {};

TEST_F(SupervisorCommandsTest, UnloadAsksWithGoodbyeThenEscalatesToSigtermAndSigkill) {
  start(module("defiant"));
  connect("defiant");
  const pid_t process = pid("defiant");
  Reply reply;
  supervisor->unload("defiant", reply.callback());
  EXPECT_EQ(state("defiant"), v1::MODULE_STATE_STOPPING);
  auto goodbye = takeSent("defiant");
  ASSERT_EQ(goodbye.size(), 1u);
  EXPECT_TRUE(goodbye[0].has_goodbye());
  EXPECT_EQ(goodbye[0].goodbye().reason(), "unloaded by operator");
  EXPECT_EQ(goodbye[0].protocol_major(), ipc::kProtocolMajor);
  EXPECT_EQ(goodbye[0].protocol_minor(), ipc::kProtocolMinor);

  expectEscalationToSigkill(process);
  EXPECT_EQ(reply.calls, 0);

  spawner.exitSignal(process, SIGKILL);
  ASSERT_EQ(reply.calls, 1);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply.info().state(), v1::MODULE_STATE_STOPPED);
  EXPECT_EQ(reply.info().last_exit(), describeExit(-1, SIGKILL));
  auto published = events.take();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].module_unloaded().reason(), "unloaded by operator");
  EXPECT_EQ(published[0].module_unloaded().incarnation(), 1u);
  timers.advance(10s);
  EXPECT_EQ(spawner.requests.size(), 1u);  // a requested stop is never restarted
}

TEST_F(SupervisorCommandsTest, ModuleLeavingWithinTheGraceGetsNoSignal) {
  start(module("polite"));
  connect("polite");
  Reply reply;
  supervisor->unload("polite", reply.callback());
  supervisor->onGoodbye("polite", "bye");
  timers.advance(kGrace - 1ms);
  spawner.exitCode(pid("polite"), 0);
  ASSERT_TRUE(reply.ok());
  timers.advance(10s);
  EXPECT_TRUE(spawner.signals.empty());
}

TEST_F(SupervisorCommandsTest, ModuleNotConnectedYetGetsSigtermAtOnce) {
  start(module("early"));
  Reply reply;
  supervisor->unload("early", reply.callback());
  EXPECT_TRUE(takeSent("early").empty());
  EXPECT_EQ(spawner.signalsTo(pid("early")), std::vector<int>{SIGTERM});
}

TEST_F(SupervisorCommandsTest, UnloadCancelsAPendingRestart) {
  start(module("phoenix"));
  spawner.exitSignal(pid("phoenix"), SIGKILL);
  ASSERT_EQ(state("phoenix"), v1::MODULE_STATE_CRASHED);
  Reply reply;
  supervisor->unload("phoenix", reply.callback());
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply.info().state(), v1::MODULE_STATE_STOPPED);
  timers.advance(10s);
  EXPECT_EQ(spawner.requests.size(), 1u);
}

TEST_F(SupervisorCommandsTest, UnloadOfAnUnknownOrStoppedModuleFails) {
  start(module("idle", "disabled: true"));
  Reply unknown, stopped;
  supervisor->unload("nobody", unknown.callback());
  supervisor->unload("idle", stopped.callback());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, v1::ERROR_CODE_NOT_FOUND);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().code, v1::ERROR_CODE_UNAVAILABLE);
  EXPECT_EQ(stopped.error().message, "module 'idle' is not running (stopped)");
}

TEST_F(SupervisorCommandsTest, ReloadStopsStartsAgainAndRepliesOnceReady) {
  start(module("fresh"));
  connect("fresh");
  Reply reply;
  supervisor->reload("fresh", reply.callback());
  auto goodbye = takeSent("fresh");
  ASSERT_EQ(goodbye.size(), 1u);
  EXPECT_EQ(goodbye[0].goodbye().reason(), "reloaded by operator");
  spawner.exitCode(pid("fresh"), 0);
  EXPECT_EQ(reply.calls, 0);
  auto restarted = info("fresh");
  EXPECT_EQ(restarted.state(), v1::MODULE_STATE_STARTING);
  EXPECT_EQ(restarted.incarnation(), 2u);
  EXPECT_EQ(restarted.restarts(), 1u);
  connect("fresh");
  ASSERT_EQ(reply.calls, 1);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply.info().state(), v1::MODULE_STATE_READY);
  EXPECT_EQ(reply.info().incarnation(), 2u);

  // A stopped module just starts.
  Reply unloaded;
  supervisor->unload("fresh", unloaded.callback());
  spawner.exitCode(pid("fresh"), 0);
  ASSERT_TRUE(unloaded.ok());
  Reply again;
  supervisor->reload("fresh", again.callback());
  EXPECT_EQ(info("fresh").incarnation(), 3u);
  connect("fresh");
  EXPECT_TRUE(again.ok());
}

TEST_F(SupervisorCommandsTest, LoadStartsAConfiguredModuleOrANewDefinition) {
  start(module("dormant", "disabled: true"));
  v1::ModuleConfig byName;
  byName.set_name("dormant");
  Reply dormant;
  supervisor->load(byName, dormant.callback());
  EXPECT_EQ(state("dormant"), v1::MODULE_STATE_STARTING);
  EXPECT_EQ(dormant.calls, 0);
  connect("dormant");
  ASSERT_TRUE(dormant.ok());

  v1::ModuleConfig fresh;
  fresh.set_name("fresh");
  fresh.set_exec("/bin/true");
  Reply loaded;
  supervisor->load(fresh, loaded.callback());
  connect("fresh");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.info().module_id(), "fresh");
  ASSERT_EQ(supervisor->modules().size(), 2u);
  EXPECT_EQ(supervisor->modules()[1].module_id(), "fresh");
  ASSERT_NE(supervisor->moduleConfig("fresh"), nullptr);
  EXPECT_GT(supervisor->moduleConfig("fresh")->channel_capacity(), 0u);  // defaults applied
  EXPECT_EQ(supervisor->countInState(v1::MODULE_STATE_READY), 2u);
}

TEST_F(SupervisorCommandsTest, LoadRefusesUnknownNamesRunningModulesAndInvalidDefinitions) {
  start(module("busy"));
  v1::ModuleConfig config;
  config.set_name("ghost");
  Reply unknown;
  supervisor->load(config, unknown.callback());
  EXPECT_EQ(unknown.error().code, v1::ERROR_CODE_NOT_FOUND);

  config.set_name("busy");
  Reply running;
  supervisor->load(config, running.callback());
  EXPECT_EQ(running.error().code, v1::ERROR_CODE_ALREADY_EXISTS);
  EXPECT_EQ(running.error().message, "module 'busy' is already starting");

  config.set_name("Bad Name");
  config.set_exec("/bin/true");
  Reply invalid;
  supervisor->load(config, invalid.callback());
  EXPECT_EQ(invalid.error().code, v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(spawner.requests.size(), 1u);
}

TEST_F(SupervisorCommandsTest, LoadThatCannotBecomeReadyRepliesWithWhatHappened) {
  start(module("doomed", "disabled: true"));
  v1::ModuleConfig byName;
  byName.set_name("doomed");
  Reply reply;
  supervisor->load(byName, reply.callback());
  spawner.exitCode(pid("doomed"), 4);
  ASSERT_EQ(reply.calls, 1);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, v1::ERROR_CODE_UNAVAILABLE);
  EXPECT_EQ(reply.error().message, "module 'doomed' did not become ready: crashed (exit 4)");
}

TEST_F(SupervisorCommandsTest, ForgetRemovesOnlyAStoppedOrFailedModule) {
  start(module("old") + module("busy") + module("phoenix", "restart: RESTART_POLICY_ALWAYS"));
  connect("old");
  connect("busy");
  Reply unloaded;
  supervisor->unload("old", unloaded.callback());
  spawner.exitCode(pid("old"), 0);
  spawner.exitSignal(pid("phoenix"), SIGKILL);  // waits for its restart

  auto busy = supervisor->forget("busy");
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code, v1::ERROR_CODE_UNAVAILABLE);
  EXPECT_EQ(busy.error().message,
            "module 'busy' is ready; only a stopped or failed module can be forgotten (unload it "
            "first)");
  auto waiting = supervisor->forget("phoenix");
  ASSERT_FALSE(waiting.ok());
  EXPECT_NE(waiting.error().message.find("waiting for a restart"), std::string::npos);
  EXPECT_EQ(supervisor->forget("nobody").error().code, v1::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(supervisor->modules().size(), 3u);

  ASSERT_TRUE(events.manager().stats("old").has_value());
  auto old = supervisor->forget("old");
  ASSERT_TRUE(old.ok()) << old.error().message;
  EXPECT_EQ(old->state(), v1::MODULE_STATE_STOPPED);
  EXPECT_EQ(supervisor->modules().size(), 2u);
  EXPECT_FALSE(supervisor->module("old").has_value());
  EXPECT_EQ(supervisor->moduleConfig("old"), nullptr);
  EXPECT_FALSE(events.manager().stats("old").has_value());
  v1::ModuleConfig byName;
  byName.set_name("old");
  Reply load;
  supervisor->load(byName, load.callback());
  EXPECT_EQ(load.error().code, v1::ERROR_CODE_NOT_FOUND);  // its definition went with it
}

TEST_F(SupervisorCommandsTest, ShutdownStopsEveryModuleAndReportsOnceAllAreGone) {
  start(module("a") + module("b") + module("c", "disabled: true"));
  connect("a");
  const pid_t a = pid("a"), b = pid("b");
  int allStopped = 0;
  supervisor->shutdown([&] { ++allStopped; });
  EXPECT_TRUE(sent.empty());  // NodeShutdown is the node's to send
  EXPECT_EQ(state("a"), v1::MODULE_STATE_STOPPING);
  EXPECT_EQ(spawner.signalsTo(b), std::vector<int>{SIGTERM});  // not connected yet

  spawner.exitCode(a, 0);
  timers.runPosted();
  EXPECT_EQ(allStopped, 0);
  spawner.exitSignal(b, SIGTERM);
  EXPECT_EQ(allStopped, 0);  // posted, not called from within the exit
  timers.runPosted();
  EXPECT_EQ(allStopped, 1);
  EXPECT_EQ(state("b"), v1::MODULE_STATE_STOPPED);

  Reply load, reload;
  v1::ModuleConfig byName;
  byName.set_name("c");
  supervisor->load(byName, load.callback());
  supervisor->reload("a", reload.callback());
  EXPECT_EQ(load.error().code, v1::ERROR_CODE_UNAVAILABLE);
  EXPECT_EQ(reload.error().code, v1::ERROR_CODE_UNAVAILABLE);
  timers.advance(60s);
  EXPECT_EQ(spawner.requests.size(), 2u);
  EXPECT_EQ(allStopped, 1);
}

TEST_F(SupervisorCommandsTest, ShutdownWithNothingRunningReportsAtOnce) {
  start(module("idle", "disabled: true"));
  int allStopped = 0;
  supervisor->shutdown([&] { ++allStopped; });
  timers.runPosted();
  EXPECT_EQ(allStopped, 1);
}

TEST_F(SupervisorCommandsTest, KillAllSigkillsEveryProcessAndNamesTheNodeAsTheCause) {
  start(module("a") + module("b"));
  connect("a");
  supervisor->killAll();
  EXPECT_EQ(spawner.signalsTo(pid("a")), std::vector<int>{SIGKILL});
  EXPECT_EQ(spawner.signalsTo(pid("b")), std::vector<int>{SIGKILL});
  spawner.exitSignal(pid("a"), SIGKILL);
  EXPECT_EQ(events.take().at(0).module_crashed().reason(), "killed by the node");
}

TEST_F(SupervisorCommandsTest, DestroyingTheSupervisorKillsWhatStillRuns) {
  start(module("a") + module("b"));
  const pid_t a = pid("a");
  spawner.exitCode(pid("b"), 0);
  supervisor.reset();
  EXPECT_EQ(spawner.abandoned, std::vector<pid_t>{a});
  EXPECT_EQ(timers.pendingTimers(), 0u);  // its timers went with it
}

}  // namespace
}  // namespace plexus::host
