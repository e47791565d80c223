// control_group with the real plexus-node and plexusctl, without root tricks: the group is one
// the test's own user is in (its primary group), so the node may give its files to it; the
// socket and the runtime dir take that group and its modes, and plexusctl still operates the
// node. An unknown group is a configuration error for --check-config and a start alike. (Who
// is admitted by group membership is unit-tested with fake credentials: ControlAccessTest.)

#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "test_node.h"

namespace plexus::test {
namespace {

std::string ownGroupName() {
  const group* entry = ::getgrgid(::getgid());
  return entry != nullptr ? entry->gr_name : "";
}

TEST(ControlGroupTest, TheControlSocketAndRuntimeDirFollowTheGroup) {
  const std::string name = ownGroupName();
  if (name.empty()) GTEST_SKIP() << "the test's primary group has no name";
  TestNode node("control_group: \"" + name + "\"\n" +
                ModuleSpec{"alpha", {}, {"--report", "/dev/null"}}.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  struct stat info {};
  ASSERT_EQ(::stat((node.runtimeDir() / "control.sock").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0660u);
  EXPECT_EQ(info.st_gid, ::getgid());
  ASSERT_EQ(::stat((node.runtimeDir() / "modules.sock").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u) << "the module socket is never shared";
  ASSERT_EQ(::stat(node.runtimeDir().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0750u);
  EXPECT_EQ(info.st_gid, ::getgid());
  const CtlRun status = runCtl(node, "status");
  EXPECT_EQ(status.exitCode, 0) << status.out;
  node.stop();
}

TEST(ControlGroupTest, WithoutAGroupTheSocketIsPrivate) {
  TestNode node("");
  node.start();
  struct stat info {};
  ASSERT_EQ(::stat((node.runtimeDir() / "control.sock").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(node.runtimeDir().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  node.stop();
}

TEST(ControlGroupTest, AnUnknownGroupIsAConfigurationError) {
  TempDir dir;
  const auto config = dir / "node.cfg";
  std::ofstream(config) << "control_group: \"plexus-no-such-group-4711\"\n";
  for (const std::string& flags :
       std::vector<std::string>{"--check-config", "--runtime-dir " + (dir / "run").string()}) {
    SCOPED_TRACE(flags);
    const CtlRun run =
        runCommand(nodeBinary().string() + " --config " + config.string() + " " + flags + " 2>&1");
    EXPECT_EQ(run.exitCode, 2) << run.out;
    EXPECT_NE(run.out.find("control_group 'plexus-no-such-group-4711': no such group"),
              std::string::npos)
        << run.out;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "run" / "control.sock"));
}

}  // namespace
}  // namespace plexus::test
