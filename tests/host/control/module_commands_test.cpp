// ModuleCommands with a fake ModuleDirectory: load, unload and reload reach the directory with
// their arguments and are answered only when the directory reports the outcome: the module's
// ModuleInfo in the command's body, or its Error, with the request's correlation id. Forget is
// answered at once.

#include "control/module_commands.h"

#include <gtest/gtest.h>

#include "fakes/fake_module_directory.h"
#include "fakes/fake_replier.h"

namespace plexus::host {
namespace {

class ModuleCommandsTest : public ::testing::Test {
 protected:
  v1::ModuleInfo info(const std::string& id) {
    v1::ModuleInfo module;
    module.set_module_id(id);
    module.set_state(v1::MODULE_STATE_READY);
    return module;
  }

  fakes::FakeModuleDirectory modules;
  fakes::FakeReplier replier;
  ModuleCommands commands{replier, modules};
};

TEST_F(ModuleCommandsTest, LoadIsAnsweredOnceTheModuleIsReady) {
  v1::ControlRequest request;
  request.set_correlation_id(5);
  request.mutable_load()->mutable_module()->set_name("archiver");
  request.mutable_load()->mutable_module()->set_exec("/opt/archiver");
  commands.handle("op", request);
  ASSERT_EQ(modules.commands.size(), 1u);
  EXPECT_EQ(modules.commands[0].kind, "load");
  EXPECT_EQ(modules.commands[0].module.exec(), "/opt/archiver");
  EXPECT_TRUE(replier.sent.empty()) << "not before the module is ready";

  modules.commands[0].done(info("archiver"));
  ASSERT_EQ(replier.to("op").size(), 1u);
  const auto& response = replier.last();
  EXPECT_EQ(response.correlation_id(), 5u);
  ASSERT_TRUE(response.has_load()) << response.DebugString();
  EXPECT_EQ(response.load().module().module_id(), "archiver");
}

TEST_F(ModuleCommandsTest, UnloadAndReloadCarryTheModuleInfoInTheirOwnBody) {
  v1::ControlRequest unload;
  unload.set_correlation_id(6);
  unload.mutable_unload()->set_module_id("a");
  commands.handle("op", unload);
  v1::ControlRequest reload;
  reload.set_correlation_id(7);
  reload.mutable_reload()->set_module_id("b");
  commands.handle("op2", reload);
  ASSERT_EQ(modules.commands.size(), 2u);
  EXPECT_EQ(modules.commands[0].kind, "unload");
  EXPECT_EQ(modules.commands[0].moduleId, "a");
  EXPECT_EQ(modules.commands[1].kind, "reload");
  EXPECT_EQ(modules.commands[1].moduleId, "b");

  modules.commands[1].done(info("b"));  // in any order
  modules.commands[0].done(info("a"));
  ASSERT_EQ(replier.to("op2").size(), 1u);
  EXPECT_EQ(replier.to("op2")[0].correlation_id(), 7u);
  EXPECT_EQ(replier.to("op2")[0].reload().module().module_id(), "b");
  ASSERT_EQ(replier.to("op").size(), 1u);
  EXPECT_EQ(replier.to("op")[0].correlation_id(), 6u);
  EXPECT_EQ(replier.to("op")[0].unload().module().module_id(), "a");
}

TEST_F(ModuleCommandsTest, AFailedCommandIsAnsweredWithItsError) {
  v1::ControlRequest reload;
  reload.set_correlation_id(8);
  reload.mutable_reload()->set_module_id("ghost");
  commands.handle("op", reload);
  modules.commands[0].done(makeError(v1::ERROR_CODE_NOT_FOUND, "no module 'ghost'"));
  const auto& response = replier.last();
  ASSERT_TRUE(response.has_error());
  EXPECT_EQ(response.error().code(), v1::ERROR_CODE_NOT_FOUND);
  EXPECT_EQ(response.error().message(), "no module 'ghost'");
  EXPECT_EQ(response.error().correlation_id(), 8u);
  EXPECT_EQ(response.correlation_id(), 8u);
}

TEST_F(ModuleCommandsTest, ForgetIsAnsweredAtOnceWithTheRemovedModuleOrItsError) {
  modules.add("old", v1::MODULE_STATE_STOPPED);
  modules.add("busy", v1::MODULE_STATE_READY);
  v1::ControlRequest forget;
  forget.set_correlation_id(9);
  forget.mutable_forget()->set_module_id("old");
  commands.handle("op", forget);
  ASSERT_EQ(replier.to("op").size(), 1u);
  EXPECT_EQ(replier.last().correlation_id(), 9u);
  ASSERT_TRUE(replier.last().has_forget()) << replier.last().DebugString();
  EXPECT_EQ(replier.last().forget().module().module_id(), "old");
  ASSERT_EQ(modules.infos.size(), 1u);

  forget.set_correlation_id(10);
  forget.mutable_forget()->set_module_id("busy");
  commands.handle("op", forget);
  ASSERT_TRUE(replier.last().has_error());
  EXPECT_EQ(replier.last().error().code(), v1::ERROR_CODE_UNAVAILABLE);
  EXPECT_EQ(replier.last().error().correlation_id(), 10u);
  EXPECT_EQ(modules.infos.size(), 1u);
}

}  // namespace
}  // namespace plexus::host
