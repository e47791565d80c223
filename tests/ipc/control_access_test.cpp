// The control socket's audience (NodeConfig.control_group): the host's uid always; with a
// group, a peer whose gid is the group's or whose account's groups include it (a fake
// credential set stands in for the password and group databases); the socket file's mode and
// group follow.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "plexus/ipc/protocol.h"
#include "plexus/ipc/sockets.h"
#include "plexus/ipc/zap_authenticator.h"

namespace plexus::ipc {
namespace {

constexpr uid_t kHost = 1000;
constexpr gid_t kOperators = 2000;

// Accounts: 1001 has the group as a supplementary group, 1002 does not; 1003 has no account.
ControlGroup fakeGroup() {
  static const std::map<uid_t, std::vector<gid_t>> accounts = {{1001, {1001, 27, kOperators}},
                                                               {1002, {1002, 27}}};
  return ControlGroup{kOperators, [](uid_t uid) {
                        auto it = accounts.find(uid);
                        return it == accounts.end() ? std::vector<gid_t>{} : it->second;
                      }};
}

PeerCredentials peer(uid_t uid, gid_t gid) {
  return PeerCredentials{uid, gid, 42};
}

TEST(ControlAccessTest, WithoutAGroupOnlyTheHostUid) {
  EXPECT_TRUE(controlAdmits(kHost, std::nullopt, peer(kHost, 1)));
  EXPECT_FALSE(controlAdmits(kHost, std::nullopt, peer(1001, kOperators)));
  EXPECT_FALSE(controlAdmits(kHost, std::nullopt, peer(0, 0)));
}

TEST(ControlAccessTest, WithAGroupItsMembersByPrimaryOrSupplementaryGroup) {
  const auto group = fakeGroup();
  EXPECT_TRUE(controlAdmits(kHost, group, peer(kHost, 1)));          // the node's own user
  EXPECT_TRUE(controlAdmits(kHost, group, peer(1003, kOperators)));  // peer's gid is the group
  EXPECT_TRUE(controlAdmits(kHost, group, peer(1001, 1001)));        // supplementary member
  EXPECT_FALSE(controlAdmits(kHost, group, peer(1002, 1002)));       // not a member
  EXPECT_FALSE(controlAdmits(kHost, group, peer(1003, 1003)));       // no account at all
}

TEST(ControlAccessTest, TheAuthenticatorAppliesTheRuleToControlRequests) {
  zmq::context_t context;
  ModuleCredentials credentials(kHost);
  ZapAuthenticator zap(context, credentials, kHost, fakeGroup());
  auto control = [](uid_t uid, gid_t gid) {
    return ZapRequest{"1",
                      kControlZapDomain,
                      "localhost:" + std::to_string(uid) + ":" + std::to_string(gid) + ":42",
                      "NULL",
                      "",
                      ""};
  };
  EXPECT_TRUE(zap.decide(control(1001, 1001)).accepted);
  const auto refused = zap.decide(control(1002, 1002));
  EXPECT_FALSE(refused.accepted);
  EXPECT_NE(refused.reason.find("not in its control group"), std::string::npos) << refused.reason;
  EXPECT_TRUE(zap.decide(control(kHost, 1)).accepted);
  // A group does not open the module socket: that still takes a token.
  EXPECT_FALSE(
      zap.decide(ZapRequest{"1", kModuleZapDomain, "localhost:1001:2000:42", "PLAIN", "m", "t"})
          .accepted);
}

TEST(ControlAccessTest, GroupLookupsUseTheSystemDatabases) {
  EXPECT_EQ(groupByName("root"), std::optional<gid_t>(0));
  EXPECT_EQ(groupByName("plexus-no-such-group-4711"), std::nullopt);
  const auto rootGroups = accountGroups(0);
  EXPECT_NE(std::find(rootGroups.begin(), rootGroups.end(), 0u), rootGroups.end());
  EXPECT_TRUE(accountGroups(static_cast<uid_t>(4'000'000'000u)).empty());  // no such account
}

TEST(ControlAccessTest, ASocketForAGroupIs0660AndBelongsToIt) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("plexus-control-access-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "control.sock").string();
  zmq::context_t context;
  {
    zmq::socket_t router(context, zmq::socket_type::router);
    bindForGroup(router, path, ::getgid());  // a group of our own: no privilege needed
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0660u);
    EXPECT_EQ(info.st_gid, ::getgid());
  }
  {
    zmq::socket_t router(context, zmq::socket_type::router);
    bindPrivate(router, path);
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
  }
  if (::getuid() != 0) {  // root may give a file to any group
    zmq::socket_t router(context, zmq::socket_type::router);
    EXPECT_THROW(bindForGroup(router, path, 0), std::runtime_error);  // not our group
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace plexus::ipc
