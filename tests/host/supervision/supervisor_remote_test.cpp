// Supervisor on fakes with remote modules (docs/design.md "Remote modules"): never spawned, shown
// disconnected; a handshake is a new incarnation (while connected: the old connection closed, it
// is lost); silence or an unreachable connection detach it
// as crashed, its Goodbye as unloaded, both disconnected and never restarted; unload says Goodbye
// and refuses handshakes until load; node shutdown sends NodeShutdown then the host's Goodbye and
// detaches it; reload refuses, and load cannot turn a remote module into a local one or hot-load
// a remote one.

#include <gtest/gtest.h>

#include "delivery/event_factory.h"
#include "plexus/ipc/protocol.h"
#include "supervision/module_info.h"
#include "supervision/supervisor_fixture.h"

namespace plexus::host {
namespace {

class SupervisorRemoteTest : public SupervisorFixture {
 protected:
  static std::string remote(const std::string& name,
                            const std::string& key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7") {
    return "module { name: \"" + name + "\" kind: MODULE_KIND_REMOTE public_key: \"" + key +
           "\" }\n";
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

TEST_F(SupervisorRemoteTest, ReloadAndRedefiningLoadsRefuseARemoteModule) {
  start(remote("far"));
  Reply asLocal;  // --exec cannot replace a remote module's definition
  v1::ModuleConfig local;
  local.set_name("far");
  local.set_exec("/bin/true");
  supervisor->load(local, asLocal.callback());
  expectRefused(asLocal, "load");

  Reply reload;
  supervisor->reload("far", reload.callback());
  expectRefused(reload, "reload");
  EXPECT_TRUE(spawner.requests.empty());
  EXPECT_EQ(state("far"), v1::MODULE_STATE_DISCONNECTED);
}

TEST_F(SupervisorRemoteTest, AHandshakeIsANewIncarnationThenReadyOnSubscribe) {
  start(remote("far"));
  supervisor->onRemotePeer("far", "10.0.0.7");
  ASSERT_NO_FATAL_FAILURE(connect("far"));
  EXPECT_EQ(info("far").incarnation(), 1u);
  EXPECT_EQ(info("far").peer_address(), "10.0.0.7");
  EXPECT_TRUE(supervisor->isHandshaken("far"));
  EXPECT_FALSE(supervisor->isRunning("far"));  // no process of ours
  v1::Handshake other;
  other.set_module_id("near");
  supervisor->onGoodbye("far", "bye");
  auto wrongId = supervisor->onHandshake("far", other, ipc::kProtocolMinor);
  ASSERT_FALSE(wrongId.ok());
  EXPECT_EQ(wrongId.error().code, v1::ERROR_CODE_PERMISSION_DENIED);
}

// Only the bound routing id's Handshake gets here while it is connected (remote_peers.h), and
// without handover that id has a new connection only once the old one closed: the old
// incarnation is lost (ModuleCrashed, lost counted), the new one starts at once.
TEST_F(SupervisorRemoteTest, AHandshakeWhileConnectedReplacesTheClosedConnection) {
  start(remote("far"));
  ASSERT_NO_FATAL_FAILURE(connect("far"));
  events.take();
  v1::Handshake again;
  again.set_module_id("far");
  auto second = supervisor->onHandshake("far", again, ipc::kProtocolMinor);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(info("far").incarnation(), 2u);
  EXPECT_EQ(state("far"), v1::MODULE_STATE_HANDSHAKING);
  auto published = events.take();
  ASSERT_EQ(published.size(), 1u);
  ASSERT_TRUE(published[0].has_module_crashed());
  EXPECT_EQ(published[0].module_crashed().reason(),
            "connection lost: replaced by a new connection");
  EXPECT_EQ(published[0].module_crashed().incarnation(), 1u);
  supervisor->onReady("far");
  EXPECT_EQ(state("far"), v1::MODULE_STATE_READY);
}

TEST_F(SupervisorRemoteTest, SilenceDetachesItAsCrashedAndDisconnected) {
  start(remote("far"));
  ASSERT_NO_FATAL_FAILURE(connect("far"));
  events.take();
  timers.advance(kDeadTimeout + 200ms);
  EXPECT_EQ(state("far"), v1::MODULE_STATE_DISCONNECTED);
  EXPECT_EQ(info("far").peer_address(), "");
  auto published = events.take();
  ASSERT_FALSE(published.empty());
  ASSERT_TRUE(published.back().has_module_crashed());
  EXPECT_NE(published.back().module_crashed().reason().find("connection lost: hung"),
            std::string::npos)
      << published.back().DebugString();
  EXPECT_FALSE(published.back().module_crashed().restart_scheduled());
  EXPECT_TRUE(spawner.requests.empty());
  ASSERT_NO_FATAL_FAILURE(connect("far"));  // the next connection: a new incarnation
  EXPECT_EQ(info("far").incarnation(), 2u);
}

TEST_F(SupervisorRemoteTest, UnreachableDetachesItOnTheLoop) {
  start(remote("far"));
  ASSERT_NO_FATAL_FAILURE(connect("far"));
  events.take();
  supervisor->onUnreachable("far");
  supervisor->onUnreachable("far");  // once
  EXPECT_EQ(state("far"), v1::MODULE_STATE_READY) << "not in the middle of a send";
  timers.advance(0ms);
  EXPECT_EQ(state("far"), v1::MODULE_STATE_DISCONNECTED);
  auto published = events.take();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].module_crashed().reason(), "connection lost: unreachable");
}

TEST_F(SupervisorRemoteTest, ItsGoodbyeIsUnloadedAndDisconnected) {
  start(remote("far"));
  ASSERT_NO_FATAL_FAILURE(connect("far"));
  events.take();
  supervisor->onGoodbye("far", "done");
  EXPECT_EQ(state("far"), v1::MODULE_STATE_DISCONNECTED);
  auto published = events.take();
  ASSERT_EQ(published.size(), 1u);
  ASSERT_TRUE(published[0].has_module_unloaded());
  EXPECT_EQ(published[0].module_unloaded().reason(), "done");
}

TEST_F(SupervisorRemoteTest, UnloadSaysGoodbyeAndRefusesHandshakesUntilLoad) {
  start(remote("far"));
  ASSERT_NO_FATAL_FAILURE(connect("far"));
  takeSent("far");
  Reply unload;
  supervisor->unload("far", unload.callback());
  ASSERT_TRUE(unload.ok());
  EXPECT_EQ(unload.info().state(), v1::MODULE_STATE_UNLOADED);
  auto goodbyes = takeSent("far");
  ASSERT_EQ(goodbyes.size(), 1u);
  EXPECT_EQ(goodbyes[0].goodbye().reason(), "unloaded by operator");
  EXPECT_FALSE(supervisor->isHandshaken("far"));
  v1::Handshake handshake;
  handshake.set_module_id("far");
  auto refused = supervisor->onHandshake("far", handshake, ipc::kProtocolMinor);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, v1::ERROR_CODE_UNAVAILABLE);
  supervisor->onGoodbye("far", "unloaded");  // its answer changes nothing
  EXPECT_EQ(state("far"), v1::MODULE_STATE_UNLOADED);

  Reply load;
  v1::ModuleConfig byName;
  byName.set_name("far");
  supervisor->load(byName, load.callback());
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(state("far"), v1::MODULE_STATE_DISCONNECTED);
  ASSERT_NO_FATAL_FAILURE(connect("far"));
  EXPECT_EQ(info("far").incarnation(), 2u);
}

TEST_F(SupervisorRemoteTest, NodeShutdownSendsNodeShutdownThenGoodbyeAndDetachesIt) {
  start(remote("far") + remote("idle", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf8"));
  ASSERT_NO_FATAL_FAILURE(connect("far"));
  events.take();
  takeSent("far");
  // What the node's ShutdownSequence does first: NodeShutdown queued to every module.
  v1::Event shutdown = hostEvent(v1::EVENT_TYPE_NODE_SHUTDOWN);
  shutdown.mutable_node_shutdown()->set_reason("signal SIGTERM");
  events.manager().publishToAll(serializeEvent(shutdown));
  bool allStopped = false;
  supervisor->shutdown([&] { allStopped = true; });
  // NodeShutdown went out before the Goodbye: detaching would have dropped it.
  auto delivered = events.takeFor("far");
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_TRUE(delivered[0].event.has_node_shutdown());
  auto goodbyes = takeSent("far");
  ASSERT_EQ(goodbyes.size(), 1u);
  EXPECT_EQ(goodbyes[0].goodbye().reason(), "node shutdown");
  EXPECT_TRUE(takeSent("idle").empty()) << "not connected: nobody to tell";
  EXPECT_EQ(state("far"), v1::MODULE_STATE_DISCONNECTED);
  EXPECT_EQ(state("idle"), v1::MODULE_STATE_DISCONNECTED);
  EXPECT_FALSE(supervisor->isHandshaken("far"));
  auto published = events.take();  // the tap got NodeShutdown too (every module does)
  ASSERT_EQ(published.size(), 2u);
  EXPECT_TRUE(published[0].has_node_shutdown());
  ASSERT_TRUE(published[1].has_module_unloaded());
  EXPECT_EQ(published[1].module_unloaded().module_id(), "far");
  EXPECT_EQ(published[1].module_unloaded().reason(), "node shutdown");
  // Its reconnection while the node stops is refused (the SDK retries with backoff).
  v1::Handshake handshake;
  handshake.set_module_id("far");
  auto refused = supervisor->onHandshake("far", handshake, ipc::kProtocolMinor);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, v1::ERROR_CODE_UNAVAILABLE);
  timers.advance(0ms);
  EXPECT_TRUE(allStopped) << "no process of ours to wait for";
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
