// A remote module (tcp://, CURVE) against a FakeNode serving CURVE with a ZAP handler that admits
// one key: it connects from ConnectOptions and from the environment, and every way it cannot
// connect is a ConnectError that says why (a refused key, missing or bad keys, a secret key
// file others can read).

#include <gtest/gtest.h>
#include <plexus/sdk/module.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <functional>

#include "connect_error_of.h"
#include "fake_node.h"
#include "fake_node_thread.h"
#include "plexus/ipc/curve_keys.h"
#include "plexus/ipc/protocol.h"
#include "temp_dir.h"

namespace plexus::sdk::test {
namespace {

// A fake node that answers one handshake and subscription, then unloads the module (a remote
// module reconnects after NodeShutdown) and waits for its Goodbye.
void serveOneSession(FakeNode& node) {
  ASSERT_TRUE(node.acceptHandshake(ackAt(ipc::kProtocolMinor), kWait)) << "no handshake";
  ASSERT_TRUE(node.acceptSubscribe(kWait).has_value());
  node.sendGoodbye("unloaded by operator");
  EXPECT_EQ(node.receiveUntilGoodbye(kWait), "unloaded");
}

// Serves ZAP (and drops whatever else comes) until `done`.
void serveUntil(FakeNode& node, const std::atomic<bool>& done) {
  while (!done)
    (void)node.receive(std::chrono::milliseconds(20));
}

class RemoteEnvironment {
 public:
  RemoteEnvironment(const std::string& endpoint, const char* serverKey, const char* keyFile) {
    ::setenv("PLEXUS_MODULE_ID", "remote", 1);
    ::setenv("PLEXUS_ENDPOINT", endpoint.c_str(), 1);
    set("PLEXUS_SERVER_KEY", serverKey);
    set("PLEXUS_SECRET_KEY_FILE", keyFile);
  }
  ~RemoteEnvironment() {
    for (const char* name :
         {"PLEXUS_MODULE_ID", "PLEXUS_ENDPOINT", "PLEXUS_SERVER_KEY", "PLEXUS_SECRET_KEY_FILE"}) {
      ::unsetenv(name);
    }
  }

 private:
  static void set(const char* name, const char* value) {
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
};

TEST(ModuleRemoteTest, ConnectsAndHandshakesOverCurveFromConnectOptions) {
  const KeyPair module = KeyPair::generate();
  FakeNodeThread node(FakeNode::Curve{KeyPair::generate(), module.publicKey}, serveOneSession);
  ConnectOptions options = node.options();
  ASSERT_EQ(options.endpoint.rfind("tcp://127.0.0.1:", 0), 0u) << options.endpoint;
  options.secretKey = module.secretKey;
  Module connected = Module::connect(options);
  EXPECT_EQ(connected.incarnation(), 1u);
  EXPECT_EQ(connected.run(), 0);
}

TEST(ModuleRemoteTest, ConnectsFromTheEnvironmentWithASecretKeyFile) {
  plexus::test::TempDir dir("px-keys-");
  auto pair = ipc::writeKeyPair(dir.path(), "remote");
  ASSERT_TRUE(pair.ok()) << pair.error().message;
  FakeNodeThread node(FakeNode::Curve{KeyPair::generate(), pair->publicKey}, serveOneSession);
  RemoteEnvironment env(node.options().endpoint, node.options().serverKey.c_str(),
                        pair->secretFile.c_str());
  Module connected = Module::fromEnvironment();  // nothing on stdin: it would block on a token
  EXPECT_EQ(connected.id(), "remote");
  EXPECT_EQ(connected.run(), 0);
}

TEST(ModuleRemoteTest, AKeyTheNodeDoesNotKnowIsRefusedWithAClearError) {
  std::atomic<bool> done{false};
  FakeNodeThread node(FakeNode::Curve{KeyPair::generate(), KeyPair::generate().publicKey},
                      [&](FakeNode& fake) { serveUntil(fake, done); });
  ConnectOptions options = node.options();
  options.secretKey = KeyPair::generate().secretKey;
  const auto message = connectErrorOf([&] { (void)Module::connect(options); });
  done = true;
  EXPECT_NE(message.find("the node refused this module's key"), std::string::npos) << message;
  EXPECT_NE(message.find("ZAP status 400"), std::string::npos) << message;
}

TEST(ModuleRemoteTest, ATcpEndpointWithoutKeysInTheEnvironmentSaysWhichAreMissing) {
  RemoteEnvironment env("tcp://127.0.0.1:9", nullptr, nullptr);
  const auto message = connectErrorOf([] { (void)Module::fromEnvironment(); });
  EXPECT_NE(message.find("needs PLEXUS_SERVER_KEY (the node's public key) and "
                         "PLEXUS_SECRET_KEY_FILE"),
            std::string::npos)
      << message;
}

TEST(ModuleRemoteTest, ConnectOptionsWithoutKeysOrWithABadServerKeyAreRefusedBeforeConnecting) {
  ConnectOptions options;
  options.moduleId = "remote";
  options.endpoint = "tcp://127.0.0.1:9";
  auto message = connectErrorOf([&] { (void)Module::connect(options); });
  EXPECT_NE(message.find("needs the node's public key (ConnectOptions::serverKey"),
            std::string::npos)
      << message;
  options.serverKey = KeyPair::generate().publicKey;
  message = connectErrorOf([&] { (void)Module::connect(options); });
  EXPECT_NE(message.find("needs the module's secret key"), std::string::npos) << message;
  options.serverKey = "not a key";
  options.secretKey = KeyPair::generate().secretKey;
  message = connectErrorOf([&] { (void)Module::connect(options); });
  EXPECT_NE(message.find("the node's public key"), std::string::npos) << message;
  EXPECT_NE(message.find("40"), std::string::npos) << message;
}

TEST(ModuleRemoteTest, ASecretKeyFileOthersCanReadIsRefused) {
  plexus::test::TempDir dir("px-keys-");
  auto pair = ipc::writeKeyPair(dir.path(), "remote");
  ASSERT_TRUE(pair.ok()) << pair.error().message;
  ASSERT_EQ(::chmod(pair->secretFile.c_str(), 0644), 0);
  RemoteEnvironment env("tcp://127.0.0.1:9", KeyPair::generate().publicKey.c_str(),
                        pair->secretFile.c_str());
  const auto message = connectErrorOf([] { (void)Module::fromEnvironment(); });
  EXPECT_NE(message.find(pair->secretFile.string()), std::string::npos) << message;
  EXPECT_NE(message.find("644"), std::string::npos) << message;
}

TEST(ModuleRemoteTest, AMissingSecretKeyFileIsNamed) {
  RemoteEnvironment env("tcp://127.0.0.1:9", KeyPair::generate().publicKey.c_str(),
                        "/nonexistent/remote.key");
  const auto message = connectErrorOf([] { (void)Module::fromEnvironment(); });
  EXPECT_NE(message.find("/nonexistent/remote.key"), std::string::npos) << message;
}

}  // namespace
}  // namespace plexus::sdk::test
