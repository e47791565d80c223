// NodeConfig.node_name (docs/config.md): subject-safe names are accepted, others refused at
// start with why; the default is the hostname made safe.

#include <gtest/gtest.h>

#include <string>

#include "config/config.h"
#include "config/node_name.h"
#include "config_test_support.h"

namespace plexus::host {
namespace {

using testing::expectInvalid;

Status validated(const std::string& text) {
  auto config = parseConfig(text, "n.cfg");
  if (!config.ok()) return config.error();
  return validateConfig(*config);
}

TEST(NodeNameTest, SubjectSafeNamesAreAccepted) {
  EXPECT_TRUE(validated(R"(node_name: "dc1-node_7")").ok());
  EXPECT_TRUE(validated("node_name: \"" + std::string(kMaxNodeNameLength, 'a') + "\"").ok());
  EXPECT_TRUE(validated("").ok());  // absent: the default
}

TEST(NodeNameTest, NamesThatAreNotSubjectTokensAreRefused) {
  expectInvalid(validated(R"(node_name: "a.b")"), {"node_name 'a.b'", "NATS subject"});
  expectInvalid(validated(R"(node_name: "a b")"), {"only letters"});
  expectInvalid(validated(R"(node_name: "a*")"), {"only letters"});
  expectInvalid(validated(R"(node_name: ">")"), {"only letters"});
  expectInvalid(validated("node_name: \"" + std::string(kMaxNodeNameLength + 1, 'a') + "\""),
                {"longer than 64"});
}

TEST(NodeNameTest, TheDefaultIsTheHostnameMadeSafe) {
  EXPECT_EQ(safeNodeName("db-1.example.com"), "db-1_example_com");
  EXPECT_EQ(safeNodeName(""), "node");
  EXPECT_EQ(safeNodeName(std::string(100, 'x')).size(), kMaxNodeNameLength);
  const std::string name = defaultNodeName();
  EXPECT_EQ(nodeNameProblem(name), "");
  EXPECT_EQ(withDefaults(v1::NodeConfig()).node_name(), name);
  v1::NodeConfig named;
  named.set_node_name("given");
  EXPECT_EQ(withDefaults(named).node_name(), "given");
}

}  // namespace
}  // namespace plexus::host
