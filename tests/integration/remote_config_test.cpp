// Remote modules' first slice with the real binaries (docs/design.md "Remote modules"):
// `plexusctl keygen` writes a pair with the right modes and prints the public key; a node with a
// remote module and a remote block starts, spawns nothing for it and shows it disconnected, and
// refuses to reload it (unload and load refuse and admit its connections); a node whose secret key
// file is exposed, missing or malformed refuses to start, naming the file.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "http_get.h"
#include "plexus/ipc/curve_keys.h"
#include "test_node.h"

namespace plexus::test {
namespace {

mode_t modeOf(const std::filesystem::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

std::string keygen(const std::string& args) {
  return ctlBinary().string() + " keygen " + args + " 2>&1";
}

// The remote block (on a free loopback port: tests run in parallel) and a remote module `far`
// whose key is `farKey`.
std::string remoteConfig(const std::filesystem::path& secretKeyFile, const std::string& farKey) {
  return "remote { listen: \"tcp://127.0.0.1:" + std::to_string(freeLoopbackPort()) +
         "\" secret_key_file: \"" + secretKeyFile.string() +
         "\" }\nmodule { name: \"far\" kind: MODULE_KIND_REMOTE " + "public_key: \"" + farKey +
         "\" settings { key: \"k\" value: \"v\" } }\n";
}

TEST(RemoteConfigTest, KeygenWritesAPrivateSecretAndPrintsThePublicKey) {
  TempDir dir;
  const CtlRun run = runCommand("umask 0 && " + ctlBinary().string() + " keygen node --dir " +
                                dir.path().string());
  ASSERT_EQ(run.exitCode, 0) << run.out;
  EXPECT_EQ(modeOf(dir / "node.key"), 0600u) << "even with umask 0";
  EXPECT_EQ(modeOf(dir / "node.pub"), 0644u);
  auto secret = ipc::readSecretKeyFile(dir / "node.key");
  ASSERT_TRUE(secret.ok()) << secret.error().message;
  auto publicKey = ipc::readPublicKeyFile(dir / "node.pub");
  ASSERT_TRUE(publicKey.ok()) << publicKey.error().message;
  EXPECT_EQ(run.out, *publicKey + "\n");
  EXPECT_EQ(*ipc::publicKeyOf(*secret), *publicKey);

  // Never overwritten; a bad name and a missing directory are errors (exit 1), usage exit 2.
  const CtlRun again = runCommand(keygen("node --dir " + dir.path().string()));
  EXPECT_EQ(again.exitCode, 1) << again.out;
  EXPECT_NE(again.out.find("node.key': File exists"), std::string::npos) << again.out;
  EXPECT_EQ(*ipc::readSecretKeyFile(dir / "node.key"), *secret);
  const CtlRun badName = runCommand(keygen("../up --dir " + dir.path().string()));
  EXPECT_EQ(badName.exitCode, 1) << badName.out;
  EXPECT_NE(badName.out.find("key name '../up' is invalid"), std::string::npos) << badName.out;
  const CtlRun noDir = runCommand(keygen("node --dir " + (dir / "absent").string()));
  EXPECT_EQ(noDir.exitCode, 1) << noDir.out;
  const CtlRun usage = runCommand(keygen(""));
  EXPECT_EQ(usage.exitCode, 2) << usage.out;
  EXPECT_NE(usage.out.find("keygen: missing NAME"), std::string::npos) << usage.out;

  // Without --dir: the current directory.
  const CtlRun here =
      runCommand("cd " + dir.path().string() + " && " + ctlBinary().string() + " keygen here");
  ASSERT_EQ(here.exitCode, 0) << here.out;
  EXPECT_EQ(here.out, *ipc::readPublicKeyFile(dir / "here.pub") + "\n");
}

// Holds a loopback TCP port busy (listening) while it lives; if another process has it, it is
// busy anyway.
class BusyPort {
 public:
  explicit BusyPort(std::uint16_t port) : m_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0)
      (void)::listen(m_fd, 1);
  }
  ~BusyPort() { ::close(m_fd); }
  BusyPort(const BusyPort&) = delete;
  BusyPort& operator=(const BusyPort&) = delete;

 private:
  int m_fd;
};

TEST(RemoteConfigTest, ARemoteModuleIsNotSpawnedAndShowsDisconnected) {
  const BusyPort documented(7400);  // the docs' example port: no test may depend on it
  TempDir keys;
  ASSERT_EQ(runCommand(keygen("node --dir " + keys.path().string())).exitCode, 0);
  const CtlRun far = runCommand(keygen("far --dir " + keys.path().string()));
  ASSERT_EQ(far.exitCode, 0) << far.out;
  const std::string farKey = *ipc::readPublicKeyFile(keys / "far.pub");
  TestNode node(remoteConfig(keys / "node.key", farKey) +
                ModuleSpec{"near", {}, {"--report", "/dev/null"}}.text());
  node.start();
  ASSERT_TRUE(node.waitForState("near", v1::MODULE_STATE_READY)) << node.log();
  const auto info = node.module("far");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->state(), v1::MODULE_STATE_DISCONNECTED);
  EXPECT_EQ(info->pid(), 0);
  EXPECT_EQ(info->restarts(), 0u);
  EXPECT_EQ(info->incarnation(), 0u);

  const CtlRun modules = runCtl(node, "modules");
  ASSERT_EQ(modules.exitCode, 0) << modules.out;
  const auto row = modules.out.find("far ");
  ASSERT_NE(row, std::string::npos) << modules.out;
  EXPECT_NE(modules.out.substr(row, modules.out.find('\n', row) - row).find("disconnected"),
            std::string::npos)
      << modules.out;
  const CtlRun refused = runCtl(node, "reload far", true);
  EXPECT_EQ(refused.exitCode, 1) << refused.out;
  EXPECT_NE(refused.out.find("module 'far' is a remote module"), std::string::npos) << refused.out;
  // Unload refuses its connections, load admits them again (remote_module_test.cpp).
  EXPECT_EQ(runCtl(node, "unload far", true).exitCode, 0);
  EXPECT_EQ(node.module("far")->state(), v1::MODULE_STATE_UNLOADED);
  EXPECT_EQ(runCtl(node, "load far", true).exitCode, 0);
  EXPECT_EQ(node.module("far")->state(), v1::MODULE_STATE_DISCONNECTED);
  EXPECT_EQ(node.module("far")->state(), v1::MODULE_STATE_DISCONNECTED);
  EXPECT_EQ(node.log().find("module 'far' ready"), std::string::npos) << node.log();
}

TEST(RemoteConfigTest, ANodeRefusesAnExposedMissingOrMalformedSecretKey) {
  TempDir dir;
  ASSERT_EQ(runCommand(keygen("node --dir " + dir.path().string())).exitCode, 0);
  ASSERT_EQ(runCommand(keygen("far --dir " + dir.path().string())).exitCode, 0);
  const std::string farKey = *ipc::readPublicKeyFile(dir / "far.pub");
  const auto config = dir / "node.cfg";
  auto startWith = [&](const std::filesystem::path& keyFile, const std::string& flags) {
    std::ofstream(config) << remoteConfig(keyFile, farKey);
    return runCommand(nodeBinary().string() + " --config " + config.string() + " " + flags +
                      " 2>&1");
  };
  const std::string run = "--runtime-dir " + (dir / "run").string();
  {
    const CtlRun ok = startWith(dir / "node.key", "--check-config");
    EXPECT_EQ(ok.exitCode, 0) << ok.out;
  }
  ASSERT_EQ(::chmod((dir / "node.key").c_str(), 0644), 0);
  for (const std::string& flags : {std::string("--check-config"), run}) {
    const CtlRun exposed = startWith(dir / "node.key", flags);
    EXPECT_EQ(exposed.exitCode, 2) << exposed.out;
    EXPECT_NE(exposed.out.find("remote.secret_key_file: secret key file '" +
                               (dir / "node.key").string() + "' has mode 0644"),
              std::string::npos)
        << exposed.out;
  }
  const CtlRun missing = startWith(dir / "absent.key", run);
  EXPECT_EQ(missing.exitCode, 2) << missing.out;
  EXPECT_NE(missing.out.find("absent.key': No such file"), std::string::npos) << missing.out;
  std::ofstream(dir / "junk.key") << "junk\n";
  ASSERT_EQ(::chmod((dir / "junk.key").c_str(), 0600), 0);
  const CtlRun junk = startWith(dir / "junk.key", run);
  EXPECT_EQ(junk.exitCode, 2) << junk.out;
  EXPECT_NE(junk.out.find("junk.key' must hold a 40-character Z85 key"), std::string::npos)
      << junk.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "run" / "control.sock"));

  // A remote module without a remote block: a configuration error.
  std::ofstream(config) << "module { name: \"far\" kind: MODULE_KIND_REMOTE public_key: \"" +
                               farKey + "\" }\n";
  const CtlRun noBlock =
      runCommand(nodeBinary().string() + " --config " + config.string() + " --check-config 2>&1");
  EXPECT_EQ(noBlock.exitCode, 2) << noBlock.out;
  EXPECT_NE(noBlock.out.find("module 'far': a remote module needs a remote"), std::string::npos)
      << noBlock.out;
}

}  // namespace
}  // namespace plexus::test
