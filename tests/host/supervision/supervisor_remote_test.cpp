// Supervisor on fakes with remote modules (docs/design.md "Remote modules"): never spawned, shown
// disconnected; load, reload and unload refuse them (the CURVE endpoint is not served yet), and
// load cannot turn a remote module into a local one or hot-load a remote one.

#include <gtest/gtest.h>

#include "plexus/ipc/protocol.h"
#include "supervision/module_info.h"
#include "supervision/supervisor_fixture.h"

namespace plexus::host {
namespace {

class SupervisorRemoteTest : public SupervisorFixture {
 protected:
  static std::string remote(const std::string& name) {
    return "module { name: \"" + name +
           "\" kind: MODULE_KIND_REMOTE public_key: \"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\" "
           "}\n";
  }
  static void expectRefused(const Reply& reply, const std::string& command) {
    ASSERT_EQ(reply.calls, 1);
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.error().code, v1::ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_NE(reply.error().message.find(command + ": module 'far' is a remote module"),
              std::string::npos)
        << reply.error().message;
  }
};

TEST_F(SupervisorRemoteTest, ARemoteModuleIsNeverSpawnedAndShowsDisconnected) {
  start(remote("far") + module("near"));
  ASSERT_EQ(spawner.requests.size(), 1u);  // near only
  EXPECT_EQ(spawner.requests[0].extraEnv.at(ipc::kEnvModuleId), "near");
  const auto far = info("far");
  EXPECT_EQ(far.state(), v1::MODULE_STATE_DISCONNECTED);
  EXPECT_EQ(far.pid(), 0);
  EXPECT_EQ(far.exec(), "");
  EXPECT_FALSE(supervisor->isRunning("far"));
  EXPECT_FALSE(credentials.hasPending("far"));
  EXPECT_STREQ(stateName(v1::MODULE_STATE_DISCONNECTED), "disconnected");
}

TEST_F(SupervisorRemoteTest, LoadReloadAndUnloadRefuseARemoteModule) {
  start(remote("far"));
  Reply load;
  v1::ModuleConfig byName;
  byName.set_name("far");
  supervisor->load(byName, load.callback());
  expectRefused(load, "load");

  Reply asLocal;  // --exec cannot replace a remote module's definition
  v1::ModuleConfig local = byName;
  local.set_exec("/bin/true");
  supervisor->load(local, asLocal.callback());
  expectRefused(asLocal, "load");

  Reply reload;
  supervisor->reload("far", reload.callback());
  expectRefused(reload, "reload");
  Reply unload;
  supervisor->unload("far", unload.callback());
  expectRefused(unload, "unload");
  EXPECT_TRUE(spawner.requests.empty());
  EXPECT_EQ(state("far"), v1::MODULE_STATE_DISCONNECTED);
}

TEST_F(SupervisorRemoteTest, ANewRemoteModuleCannotBeHotLoaded) {
  start("");
  v1::ModuleConfig far;
  far.set_name("far");
  far.set_kind(v1::MODULE_KIND_REMOTE);
  far.set_public_key("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
  Reply reply;
  supervisor->load(far, reply.callback());
  expectRefused(reply, "load");
  EXPECT_FALSE(supervisor->module("far").has_value());
  EXPECT_TRUE(spawner.requests.empty());
}

}  // namespace
}  // namespace plexus::host
