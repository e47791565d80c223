// ModuleServer: relayed duplicates (docs/design.md "Relayed duplicates"). A relay's publish of
// an (origin node, offset) the node took already is answered OK with `duplicate`, not routed or
// counted as published; the node's restored tail counts as taken; a refused relayed publish is
// not taken.

#include <gtest/gtest.h>

#include "module_server_fixture.h"

namespace plexus::host::module_link_test {
namespace {

class ModuleServerRelayTest : public ModuleServerTest {
 protected:
  ModuleServerRelayTest() {
    v1::ModuleConfig relay;
    relay.set_name("bridge");
    relay.mutable_capabilities()->add_publish(v1::EVENT_TYPE_NEW_BLOCK);
    relay.mutable_capabilities()->set_relay(true);
    registry.configs["bridge"] = relay;
    registry.running.insert("bridge");
    connect("sub", {v1::EVENT_TYPE_NEW_BLOCK});
    connect("bridge");
  }

  static v1::Event relayed(const std::string& node, std::uint64_t offset) {
    v1::Event event = newBlock(offset);
    event.mutable_origin()->set_node(node);
    event.mutable_origin()->set_module("chainsim");
    event.mutable_origin()->set_offset(offset);
    return event;
  }

  // The bridge publishes; returns the answer (a Response) or fails.
  v1::PublishResponse publish(std::uint64_t correlationId, const v1::Event& event) {
    send("bridge", publishEnvelope(correlationId, event));
    const v1::Envelope& reply = last("bridge");
    EXPECT_TRUE(reply.has_response()) << reply.DebugString();
    EXPECT_EQ(reply.response().correlation_id(), correlationId);
    return reply.response().publish();
  }

  std::size_t delivered() {
    em.flush();
    return transport.eventsTo("sub", v1::LANE_EVENT).size();
  }
};

TEST_F(ModuleServerRelayTest, TheSameOriginOffsetAgainIsADuplicateNotRouted) {
  const v1::PublishResponse first = publish(1, relayed("node-b", 42));
  EXPECT_FALSE(first.duplicate());
  EXPECT_EQ(first.subscribers(), 1u);
  const std::uint64_t published = em.eventsPublished();
  const v1::PublishResponse again = publish(2, relayed("node-b", 42));
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.subscribers(), 0u);
  EXPECT_EQ(again.accepted(), 0u);
  EXPECT_EQ(em.eventsPublished(), published) << "a duplicate is not counted as published";
  EXPECT_EQ(delivered(), 1u);
  EXPECT_EQ(server.relayedDuplicates(), 1u);
  EXPECT_EQ(stats("bridge").rejected(), 0u) << "a duplicate is an answer, not a refusal";
}

TEST_F(ModuleServerRelayTest, OtherOffsetsAndOtherOriginsAreNotDuplicates) {
  EXPECT_FALSE(publish(1, relayed("node-b", 5)).duplicate());
  EXPECT_FALSE(publish(2, relayed("node-b", 3)).duplicate()) << "older, not taken yet";
  EXPECT_FALSE(publish(3, relayed("node-c", 5)).duplicate()) << "another origin node";
  EXPECT_TRUE(publish(4, relayed("node-b", 3)).duplicate());
  EXPECT_EQ(delivered(), 3u);
  EXPECT_EQ(server.relayedDuplicates(), 1u);
}

TEST_F(ModuleServerRelayTest, WhatTheJournalHeldAtStartIsADuplicate) {
  server.restoreRelayed({{"node-b", 42}, {"node-c", 7}});
  EXPECT_TRUE(publish(1, relayed("node-b", 42)).duplicate());
  EXPECT_TRUE(publish(2, relayed("node-c", 7)).duplicate());
  EXPECT_FALSE(publish(3, relayed("node-b", 43)).duplicate());
  EXPECT_EQ(delivered(), 1u);
}

TEST_F(ModuleServerRelayTest, ARefusedRelayedPublishIsNotTaken) {
  v1::Event noModule = relayed("node-b", 9);
  noModule.mutable_origin()->clear_module();
  send("bridge", publishEnvelope(1, noModule));
  expectError(last("bridge"), v1::ERROR_CODE_INVALID_ARGUMENT, 1);
  send("bridge", publishEnvelope(2, relayed("node-b", 0)));  // no offset: cannot be deduplicated
  expectError(last("bridge"), v1::ERROR_CODE_INVALID_ARGUMENT, 2);
  EXPECT_NE(last("bridge").error().message().find("origin.offset"), std::string::npos);
  EXPECT_FALSE(publish(3, relayed("node-b", 9)).duplicate()) << "the refusal took nothing";
  EXPECT_EQ(delivered(), 1u);
}

TEST_F(ModuleServerRelayTest, ALocalPublishIsNeverADuplicate) {
  connect("pub");
  for (std::uint64_t id = 1; id <= 2; ++id) {
    send("pub", publishEnvelope(id, newBlock(7)));
    ASSERT_TRUE(last("pub").has_response()) << last("pub").DebugString();
    EXPECT_FALSE(last("pub").response().publish().duplicate());
  }
  EXPECT_EQ(delivered(), 2u);
}

}  // namespace
}  // namespace plexus::host::module_link_test
