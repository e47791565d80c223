// Supervisor on fakes: a module that says Goodbye on its own is leaving. It enters stopping at
// once (no Goodbye back), gets the same grace -> SIGTERM -> SIGKILL escalation as an unload, and
// once it exited the restart policy applies as for a clean exit, with ModuleUnloaded carrying
// its Goodbye's reason; a SIGKILL at the end is "did not exit after Goodbye", not a crash. An
// unload or reload meanwhile takes the stop over, and an unload during a reload's stop wins.

#include <gtest/gtest.h>

#include "supervision/supervisor_fixture.h"

namespace plexus::host {
namespace {

class SupervisorGoodbyeTest : public SupervisorFixture {};

TEST_F(SupervisorGoodbyeTest, OwnGoodbyeStopsTheModuleWithTheSameEscalationAsAnUnload) {
  start(module("leaver", "restart: RESTART_POLICY_ON_FAILURE"));
  connect("leaver");
  const pid_t process = pid("leaver");
  supervisor->onGoodbye("leaver", "stopped");
  EXPECT_EQ(state("leaver"), v1::MODULE_STATE_STOPPING);
  EXPECT_TRUE(takeSent("leaver").empty());  // it said Goodbye itself: nothing to ask

  expectEscalationToSigkill(process);
  spawner.exitSignal(process, SIGKILL);

  EXPECT_EQ(state("leaver"), v1::MODULE_STATE_STOPPED);
  auto published = events.take();
  ASSERT_EQ(published.size(), 1u);
  ASSERT_TRUE(published[0].has_module_unloaded());
  EXPECT_EQ(published[0].module_unloaded().reason(), "stopped (did not exit after Goodbye)");
  timers.advance(10s);
  EXPECT_EQ(spawner.requests.size(), 1u);  // a clean exit under on_failure: no restart
}

TEST_F(SupervisorGoodbyeTest, ExitAfterOwnGoodbyeIsACleanExitUnderTheRestartPolicy) {
  start(module("cycler", "restart: RESTART_POLICY_ALWAYS"));
  connect("cycler");
  supervisor->onGoodbye("cycler", "done for now");
  spawner.exitCode(pid("cycler"), 0);
  auto published = events.take();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].module_unloaded().reason(), "done for now");
  expectSpawnAfter(kBackoff);  // always: restarted after the backoff
  connect("cycler");
  EXPECT_EQ(info("cycler").restarts(), 1u);
}

TEST_F(SupervisorGoodbyeTest, ACrashAfterOwnGoodbyeIsStillACrash) {
  start(module("clumsy", "restart: RESTART_POLICY_NEVER"));
  connect("clumsy");
  supervisor->onGoodbye("clumsy", "stopped");
  spawner.exitSignal(pid("clumsy"), SIGSEGV);
  EXPECT_EQ(state("clumsy"), v1::MODULE_STATE_CRASHED);
  auto published = events.take();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_TRUE(published[0].has_module_crashed());
}

TEST_F(SupervisorGoodbyeTest, GoodbyeAnsweringTheNodesStopChangesNothing) {
  start(module("polite"));
  connect("polite");
  Reply reply;
  supervisor->unload("polite", reply.callback());
  supervisor->onGoodbye("polite", "unloaded");
  spawner.exitCode(pid("polite"), 0);
  ASSERT_TRUE(reply.ok());
  auto published = events.take();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].module_unloaded().reason(), "unloaded by operator");
}

TEST_F(SupervisorGoodbyeTest, UnloadDuringOwnGoodbyeTakesTheStopOver) {
  start(module("leaver", "restart: RESTART_POLICY_ALWAYS"));
  connect("leaver");
  supervisor->onGoodbye("leaver", "stopped");
  Reply reply;
  supervisor->unload("leaver", reply.callback());
  EXPECT_TRUE(takeSent("leaver").empty());  // stopping already: not asked again
  EXPECT_EQ(reply.calls, 0);
  spawner.exitCode(pid("leaver"), 0);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply.info().state(), v1::MODULE_STATE_STOPPED);
  EXPECT_EQ(events.take().at(0).module_unloaded().reason(), "unloaded by operator");
  timers.advance(10s);
  EXPECT_EQ(spawner.requests.size(), 1u);  // the operator's stop: no restart policy
}

TEST_F(SupervisorGoodbyeTest, ReloadDuringOwnGoodbyeRestartsAfterTheExit) {
  start(module("leaver", "restart: RESTART_POLICY_NEVER"));
  connect("leaver");
  supervisor->onGoodbye("leaver", "stopped");
  Reply reply;
  supervisor->reload("leaver", reply.callback());
  spawner.exitCode(pid("leaver"), 0);
  EXPECT_EQ(state("leaver"), v1::MODULE_STATE_STARTING);
  connect("leaver");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply.info().incarnation(), 2u);
}

TEST_F(SupervisorGoodbyeTest, UnloadDuringAReloadsStopWins) {
  start(module("fickle", "restart: RESTART_POLICY_ALWAYS"));
  connect("fickle");
  Reply reload, unload;
  supervisor->reload("fickle", reload.callback());
  supervisor->unload("fickle", unload.callback());
  spawner.exitCode(pid("fickle"), 0);
  ASSERT_TRUE(unload.ok());
  EXPECT_EQ(unload.info().state(), v1::MODULE_STATE_STOPPED);
  ASSERT_FALSE(reload.ok());  // it did not come back
  EXPECT_EQ(reload.error().code, v1::ERROR_CODE_UNAVAILABLE);
  EXPECT_EQ(events.take().at(0).module_unloaded().reason(), "unloaded by operator");
  timers.advance(10s);
  EXPECT_EQ(spawner.requests.size(), 1u);
  EXPECT_EQ(state("fickle"), v1::MODULE_STATE_STOPPED);
}

}  // namespace
}  // namespace plexus::host
