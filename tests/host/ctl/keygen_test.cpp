// `plexusctl keygen NAME [--dir DIR]`: parsed without a node (a KeygenRequest, not an
// Invocation), usage errors for a missing or extra name and an empty --dir, help text; runKeygen
// writes the pair, prints exactly the public key on stdout and reports failures with exit 1.

#include "plexus/ctl/keygen.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "parse_helpers.h"
#include "plexus/ctl/args.h"
#include "plexus/ctl/help.h"
#include "plexus/ipc/curve_keys.h"
#include "temp_dir.h"

namespace plexus::ctl {
namespace {

using ::testing::HasSubstr;
using testing::parse;

TEST(CtlKeygen, ParsesNameAndDirWithoutANode) {
  auto plain = parse({"keygen", "node"});
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  ASSERT_TRUE(std::holds_alternative<KeygenRequest>(*plain));
  EXPECT_EQ(std::get<KeygenRequest>(*plain).name, "node");
  EXPECT_EQ(std::get<KeygenRequest>(*plain).dir, ".");
  auto withDir = parse({"keygen", "--dir=/etc/plexus", "far"});
  ASSERT_TRUE(withDir.ok()) << withDir.error().message;
  EXPECT_EQ(std::get<KeygenRequest>(*withDir).dir, "/etc/plexus");
}

TEST(CtlKeygen, UsageErrors) {
  for (const auto& [args, fragment] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"keygen"}, "keygen: missing NAME"},
           {{"keygen", "a", "b"}, "unexpected argument 'b'"},
           {{"keygen", "a", "--dir", ""}, "--dir needs a directory"},
           {{"keygen", "a", "--dir"}, "--dir needs a value"},
           {{"keygen", "a", "--exec", "x"}, "unknown option '--exec'"}}) {
    auto parsed = parseArgs(args);
    ASSERT_FALSE(parsed.ok()) << fragment;
    EXPECT_EQ(parsed.error().code, v1::ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_THAT(parsed.error().message, HasSubstr(fragment));
  }
  auto help = parse({"keygen", "--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_EQ(std::get<HelpRequest>(*help).command, "keygen");
  EXPECT_THAT(commandHelp("keygen"), HasSubstr("NAME.key  the secret key, mode 0600"));
  EXPECT_THAT(generalHelp(), HasSubstr("keygen NAME [--dir DIR]"));
}

TEST(CtlKeygen, WritesThePairAndPrintsOnlyThePublicKey) {
  test::TempDir dir("kg-");
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(runKeygen({"node", dir.path().string()}, out, err), ExitCode::Ok);
  auto publicKey = ipc::readPublicKeyFile(dir / "node.pub");
  ASSERT_TRUE(publicKey.ok()) << publicKey.error().message;
  EXPECT_EQ(out.str(), *publicKey + "\n");
  EXPECT_THAT(err.str(), HasSubstr("node.key (secret, 0600)"));
  auto secret = ipc::readSecretKeyFile(dir / "node.key");
  ASSERT_TRUE(secret.ok()) << secret.error().message;
  EXPECT_EQ(*ipc::publicKeyOf(*secret), *publicKey);

  std::ostringstream again;
  std::ostringstream againErr;
  EXPECT_EQ(runKeygen({"node", dir.path().string()}, again, againErr), ExitCode::ErrorReply);
  EXPECT_EQ(again.str(), "");
  EXPECT_THAT(againErr.str(), HasSubstr("plexusctl: keygen: cannot create key file"));
}

}  // namespace
}  // namespace plexus::ctl
