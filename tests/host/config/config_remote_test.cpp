// Remote modules' configuration (docs/config.md "Remote modules"): NodeConfig.remote and
// ModuleConfig.kind / public_key. Every rule refuses with a message naming the module and the
// field; the node's secret key file is checked at start (checkRemoteSecretKey).

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "config/config.h"
#include "config/remote_config.h"
#include "config_test_support.h"
#include "plexus/ipc/curve_keys.h"
#include "temp_dir.h"

namespace plexus::host {
namespace {

using testing::expectInvalid;

constexpr const char* kKeyA = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
constexpr const char* kKeyB = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
const std::string kRemoteBlock =
    R"(remote { listen: "tcp://127.0.0.1:7400" secret_key_file: "/etc/plexus/node.key" })";

std::string remoteModule(const std::string& name, const std::string& key,
                         const std::string& extra = "") {
  return "module { name: \"" + name + "\" kind: MODULE_KIND_REMOTE public_key: \"" + key + "\" " +
         extra + " }\n";
}

Status check(const std::string& text) {
  auto config = parseConfig(text, "r.cfg");
  if (!config.ok()) return config.error();
  return validateConfig(*config);
}

TEST(ConfigRemoteTest, ARemoteModuleWithItsKeyAndARemoteBlockIsValid) {
  const auto status = check(kRemoteBlock + remoteModule("far", kKeyA) +
                            remoteModule("farther", kKeyB, "channel_capacity: 5 durable: true") +
                            R"(journal {} module { name: "near" exec: "/bin/true" })");
  EXPECT_TRUE(status.ok()) << status.error().message;
}

TEST(ConfigRemoteTest, ARemoteModuleKeepsNoRestartPolicyByDefault) {
  auto config = parseConfig(kRemoteBlock + remoteModule("far", kKeyA), "r.cfg");
  ASSERT_TRUE(config.ok());
  const auto effective = withDefaults(*config);
  EXPECT_EQ(effective.module(0).restart(), v1::RESTART_POLICY_UNSPECIFIED);
  EXPECT_EQ(effective.module(0).policy(), v1::DELIVERY_POLICY_DROP);
}

TEST(ConfigRemoteTest, ARemoteModuleNeedsAValidPublicKey) {
  expectInvalid(check(kRemoteBlock + R"(module { name: "far" kind: MODULE_KIND_REMOTE })"),
                {"module 'far'", "needs its public_key"});
  expectInvalid(check(kRemoteBlock + remoteModule("far", "short")),
                {"module 'far'", "public_key must hold a 40-character Z85 key, not 5"});
  expectInvalid(check(kRemoteBlock + remoteModule("far", std::string(kKeyA).substr(0, 39) + "~")),
                {"module 'far'", "public_key is not Z85"});
  expectInvalid(check(kRemoteBlock + remoteModule("far", "#####" + std::string(kKeyA).substr(5))),
                {"module 'far'", "public_key is not Z85"});
}

TEST(ConfigRemoteTest, ARemoteModuleRefusesWhatOnlyASpawnedChildHas) {
  const std::pair<const char*, const char*> cases[] = {
      {R"(exec: "/bin/true")", "takes no exec"},
      {R"(args: "-v")", "takes no args"},
      {"limits { open_files: 100 }", "takes no limits"},
      {"restart: RESTART_POLICY_NEVER", "takes no restart"},
      {"disabled: true", "takes no disabled"},
  };
  for (const auto& [extra, fragment] : cases) {
    expectInvalid(check(kRemoteBlock + remoteModule("far", kKeyA, extra)),
                  {"module 'far'", fragment});
  }
}

TEST(ConfigRemoteTest, ALocalModuleRefusesAPublicKey) {
  expectInvalid(check(R"(module { name: "near" exec: "/bin/true" public_key: ")" +
                      std::string(kKeyA) + "\" }"),
                {"module 'near'", "public_key is for remote modules"});
  expectInvalid(check(R"(module { name: "near" kind: MODULE_KIND_LOCAL public_key: ")" +
                      std::string(kKeyA) + "\" }"),
                {"module 'near'", "public_key is for remote modules"});
  // A local module still needs its exec.
  expectInvalid(check(R"(module { name: "near" kind: MODULE_KIND_LOCAL })"),
                {"module 'near'", "exec is required"});
}

TEST(ConfigRemoteTest, AnUnknownKindIsRefused) {
  v1::ModuleConfig module;
  module.set_name("odd");
  module.set_exec("/bin/true");
  module.set_kind(static_cast<v1::ModuleKind>(7));  // from the wire (plexusctl load)
  expectInvalid(validateModule(module), {"module 'odd'", "kind 7 is unknown"});
}

TEST(ConfigRemoteTest, TwoModulesWithOneKeyAreRefused) {
  expectInvalid(check(kRemoteBlock + remoteModule("first", kKeyA) + remoteModule("second", kKeyA)),
                {"module 'second'", "public_key is already module 'first'", "exactly one module"});
}

TEST(ConfigRemoteTest, RemoteModulesNeedARemoteBlock) {
  expectInvalid(check(remoteModule("far", kKeyA)),
                {"module 'far'", "needs a remote { listen secret_key_file } block"});
}

TEST(ConfigRemoteTest, TheListenAddressIsTcpHostPort) {
  for (const char* listen : {"tcp://0.0.0.0:7400", "tcp://127.0.0.1:1", "tcp://*:65535",
                             "tcp://node-1.example.org:7400", "tcp://[::1]:7400", "tcp://eth0:9"}) {
    EXPECT_TRUE(checkRemoteListen(listen).ok()) << listen;
  }
  const std::pair<const char*, const char*> bad[] = {
      {"ipc:///tmp/plexus.sock", "over TCP only"},
      {"inproc://x", "over TCP only"},
      {"", "over TCP only"},
      {"tcp://127.0.0.1", "no port"},
      {"tcp://127.0.0.1:*", "no wildcard"},
      {"tcp://127.0.0.1:0", "no wildcard"},
      {"tcp://127.0.0.1:65536", "1 to 65535"},
      {"tcp://127.0.0.1:74x", "1 to 65535"},
      {"tcp://:7400", "host"},
      {"tcp://a;b:7400", "host"},
      {"tcp://[::1:7400", "host"},
  };
  for (const auto& [listen, fragment] : bad) {
    expectInvalid(checkRemoteListen(listen), {"remote.listen", fragment});
  }
  expectInvalid(
      check(R"(remote { listen: "ipc:///tmp/x" secret_key_file: "/etc/plexus/node.key" })"),
      {"remote.listen 'ipc:///tmp/x'", "tcp://HOST:PORT"});
}

TEST(ConfigRemoteTest, TheRemoteBlockNeedsAnAbsoluteSecretKeyFile) {
  expectInvalid(check(R"(remote { listen: "tcp://127.0.0.1:7400" })"),
                {"remote.secret_key_file is required"});
  expectInvalid(check(R"(remote { listen: "tcp://127.0.0.1:7400" secret_key_file: "node.key" })"),
                {"remote.secret_key_file 'node.key'", "absolute"});
}

TEST(ConfigRemoteTest, TheSecretKeyFileIsCheckedAtStart) {
  test::TempDir dir("cr-");
  auto files = ipc::writeKeyPair(dir.path(), "node");
  ASSERT_TRUE(files.ok()) << files.error().message;
  v1::NodeConfig config;
  EXPECT_TRUE(checkRemoteSecretKey(config).ok());  // no remote block: nothing to read
  config.mutable_remote()->set_listen("tcp://127.0.0.1:7400");
  config.mutable_remote()->set_secret_key_file(files->secretFile.string());
  EXPECT_TRUE(checkRemoteSecretKey(config).ok());

  ASSERT_EQ(::chmod(files->secretFile.c_str(), 0644), 0);
  auto exposed = checkRemoteSecretKey(config);
  ASSERT_FALSE(exposed.ok());
  EXPECT_EQ(exposed.error().code, v1::ERROR_CODE_PERMISSION_DENIED);
  EXPECT_NE(exposed.error().message.find("remote.secret_key_file: secret key file '" +
                                         files->secretFile.string() + "' has mode 0644"),
            std::string::npos)
      << exposed.error().message;

  config.mutable_remote()->set_secret_key_file((dir / "absent.key").string());
  auto missing = checkRemoteSecretKey(config);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, v1::ERROR_CODE_NOT_FOUND);

  std::ofstream(dir / "junk.key") << "not a key\n";
  ::chmod((dir / "junk.key").c_str(), 0600);
  config.mutable_remote()->set_secret_key_file((dir / "junk.key").string());
  expectInvalid(checkRemoteSecretKey(config), {"remote.secret_key_file", "junk.key"});
}

}  // namespace
}  // namespace plexus::host
