// ModuleServer: the origin of published events (docs/design.md "The NATS bridge"): a local
// event carries none, a module's own origin is refused unless it has the relay capability, a
// relay's origin is kept (source still the relay) and checked.

#include <gtest/gtest.h>

#include "module_server_fixture.h"

namespace plexus::host::module_link_test {
namespace {

class ModuleServerOriginTest : public ModuleServerTest {
 protected:
  ModuleServerOriginTest() {
    v1::ModuleConfig relay;
    relay.set_name("bridge");
    relay.mutable_capabilities()->add_publish(v1::EVENT_TYPE_NEW_BLOCK);
    relay.mutable_capabilities()->set_relay(true);
    registry.configs["bridge"] = relay;
    registry.running.insert("bridge");
  }

  static v1::Event relayed(const std::string& node, std::uint64_t offset) {
    v1::Event event = newBlock(offset);
    event.mutable_origin()->set_node(node);
    event.mutable_origin()->set_module("chainsim");
    event.mutable_origin()->set_offset(offset);
    return event;
  }

  std::vector<v1::Event> delivered() {
    em.flush();
    return transport.eventsTo("sub", v1::LANE_EVENT);
  }
};

TEST_F(ModuleServerOriginTest, ALocalPublishCarriesNoOrigin) {
  connect("sub", {v1::EVENT_TYPE_NEW_BLOCK});
  connect("pub");
  send("pub", publishEnvelope(1, newBlock(7)));
  ASSERT_TRUE(last("pub").has_response()) << last("pub").DebugString();
  const auto events = delivered();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].has_origin()) << "source and published_at say it: " << events[0].source();
  EXPECT_EQ(events[0].source(), "pub");
}

TEST_F(ModuleServerOriginTest, AnOriginFromAModuleWithoutRelayIsDenied) {
  connect("sub", {v1::EVENT_TYPE_NEW_BLOCK});
  connect("pub");
  send("pub", publishEnvelope(2, relayed("node-b", 5)));
  expectError(last("pub"), v1::ERROR_CODE_PERMISSION_DENIED, 2);
  EXPECT_NE(last("pub").error().message().find("capabilities.relay"), std::string::npos);
  EXPECT_EQ(stats("pub").rejected(), 1u);
  EXPECT_TRUE(delivered().empty());
}

TEST_F(ModuleServerOriginTest, ARelayKeepsItsOriginAndIsStillTheSource) {
  connect("sub", {v1::EVENT_TYPE_NEW_BLOCK});
  connect("bridge");
  send("bridge", publishEnvelope(3, relayed("node-b", 42)));
  ASSERT_TRUE(last("bridge").has_response()) << last("bridge").DebugString();
  const auto events = delivered();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].source(), "bridge");
  EXPECT_EQ(events[0].origin().node(), "node-b");
  EXPECT_EQ(events[0].origin().module(), "chainsim");
  EXPECT_EQ(events[0].origin().offset(), 42u);
}

TEST_F(ModuleServerOriginTest, ARelayWithoutOriginPublishesALocalEvent) {
  connect("sub", {v1::EVENT_TYPE_NEW_BLOCK});
  connect("bridge");
  send("bridge", publishEnvelope(4, newBlock(1)));
  const auto events = delivered();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].has_origin());
  EXPECT_EQ(events[0].source(), "bridge");
}

TEST_F(ModuleServerOriginTest, ARelayedOriginOfThisNodeOrABadNameIsInvalid) {
  connect("sub", {v1::EVENT_TYPE_NEW_BLOCK});
  connect("bridge");
  send("bridge", publishEnvelope(5, relayed("node-a", 1)));  // our own event coming back
  expectError(last("bridge"), v1::ERROR_CODE_INVALID_ARGUMENT, 5);
  EXPECT_NE(last("bridge").error().message().find("loop"), std::string::npos);
  send("bridge", publishEnvelope(6, relayed("node.b", 1)));  // not subject-safe
  expectError(last("bridge"), v1::ERROR_CODE_INVALID_ARGUMENT, 6);
  send("bridge", publishEnvelope(7, relayed("", 1)));
  expectError(last("bridge"), v1::ERROR_CODE_INVALID_ARGUMENT, 7);
  v1::Event noModule = relayed("node-b", 1);
  noModule.mutable_origin()->clear_module();
  send("bridge", publishEnvelope(8, noModule));
  expectError(last("bridge"), v1::ERROR_CODE_INVALID_ARGUMENT, 8);
  EXPECT_EQ(stats("bridge").rejected(), 4u);
  EXPECT_TRUE(delivered().empty());
}

}  // namespace
}  // namespace plexus::host::module_link_test
