// plexus-nats-bridge's settings and names (docs/design.md "The NATS bridge").

#include "bridge_settings.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace plexus::bridge {
namespace {

std::string refusal(const std::map<std::string, std::string>& settings) {
  try {
    (void)parseSettings(settings, "bridge");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return {};
}

TEST(BridgeSettingsTest, ParsesEverySetting) {
  const auto s = parseSettings({{"nats_url", "nats://10.0.0.1:4222"},
                                {"node", "dc1-a"},
                                {"export", "NewBlock, NewTransaction"},
                                {"import", "dc2-b,dc3_c"},
                                {"state_dir", "/var/lib/x"}},
                               "bridge");
  EXPECT_EQ(s.natsUrl, "nats://10.0.0.1:4222");
  EXPECT_EQ(s.node, "dc1-a");
  EXPECT_EQ(s.exportTypes, (std::vector{v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_NEW_TRANSACTION}));
  EXPECT_EQ(s.importNodes, (std::vector<std::string>{"dc2-b", "dc3_c"}));
  EXPECT_EQ(s.stateDir, "/var/lib/x");
}

TEST(BridgeSettingsTest, DefaultsTheUrlAndTheStateDir) {
  ::setenv("STATE_DIRECTORY", "/srv/state", 1);
  const auto s = parseSettings({{"node", "a"}, {"export", "NewBlock"}}, "bridge");
  ::unsetenv("STATE_DIRECTORY");
  EXPECT_EQ(s.natsUrl, "nats://127.0.0.1:4222");
  EXPECT_EQ(s.stateDir, "/srv/state/bridge");
  EXPECT_TRUE(s.importNodes.empty());
}

TEST(BridgeSettingsTest, TheNodeDefaultsToTheNodesNameAndMustEqualIt) {
  EXPECT_EQ(parseSettings({{"export", "NewBlock"}}, "bridge", "dc1-a").node, "dc1-a");
  EXPECT_EQ(parseSettings({{"node", "dc1-a"}, {"export", "NewBlock"}}, "bridge", "dc1-a").node,
            "dc1-a");
  std::string why;
  try {
    (void)parseSettings({{"node", "dc1-b"}, {"export", "NewBlock"}}, "bridge", "dc1-a");
  } catch (const std::invalid_argument& e) {
    why = e.what();
  }
  EXPECT_NE(why.find("setting node 'dc1-b' is not this node's node_name 'dc1-a'"),
            std::string::npos)
      << why;
}

TEST(BridgeSettingsTest, RefusesWhatCannotWork) {
  EXPECT_NE(refusal({{"export", "NewBlock"}}).find("setting node"), std::string::npos);
  EXPECT_NE(refusal({{"node", "a.b"}, {"export", "NewBlock"}}).find("only letters"),
            std::string::npos);
  EXPECT_NE(refusal({{"node", "a"}, {"export", "Nope"}}).find("unknown event type 'Nope'"),
            std::string::npos);
  EXPECT_NE(refusal({{"node", "a"}, {"import", "b>"}}).find("setting import"), std::string::npos);
  EXPECT_NE(refusal({{"node", "a"}, {"import", "a"}}).find("loop"), std::string::npos);
  EXPECT_NE(refusal({{"node", "a"}}).find("nothing to do"), std::string::npos);
  EXPECT_NE(refusal({{"node", "a"}, {"export", "NewBlock"}, {"url", "x"}}).find("unknown setting"),
            std::string::npos);
}

TEST(BridgeSettingsTest, NamesSubjectsMessageIdsAndConsumers) {
  EXPECT_EQ(snakeTypeName(v1::EVENT_TYPE_NEW_BLOCK), "new_block");
  EXPECT_EQ(snakeTypeName(v1::EVENT_TYPE_GOVERNANCE_PROPOSAL_CREATED),
            "governance_proposal_created");
  EXPECT_EQ(subjectFor("a", v1::EVENT_TYPE_NEW_TRANSACTION), "plexus.a.new_transaction");
  EXPECT_EQ(messageId("a", 42), "a:42");
  EXPECT_EQ(durableName("a", "b"), "a_from_b");
}

}  // namespace
}  // namespace plexus::bridge
