// EventManager and the module lifecycle: acks, subscriptions and capabilities, stopping and
// dead modules (unrouted, what they held counted as lost).

#include "event_manager_fixture.h"

namespace plexus::host {
namespace {

TEST_F(EventManagerTest, AckBeyondWhatWasSentIsRefusedAndChangesNothing) {
  load("m", 4);
  publishBlock(1);
  em.flush();
  auto status = em.ack("m", 5);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(stats("m").in_flight(), 1u);
  EXPECT_TRUE(em.ack("m", 1).ok());
  EXPECT_TRUE(em.ack("m", 1).ok()) << "a repeated ack is harmless";
  EXPECT_EQ(stats("m").acked(), 1u);
  EXPECT_FALSE(em.ack("nobody", 1).ok());
  expectInvariants();
}

TEST_F(EventManagerTest, RoutingTableFollowsSubscribeAndUnsubscribe) {
  load("a", 10, {v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_NEW_TRANSACTION});
  load("b", 10, {v1::EVENT_TYPE_NEW_TRANSACTION});
  EXPECT_EQ(em.subscribers(v1::EVENT_TYPE_NEW_TRANSACTION), (std::vector<std::string>{"a", "b"}));
  auto remaining = em.unsubscribe("a", std::vector{v1::EVENT_TYPE_NEW_TRANSACTION});
  ASSERT_TRUE(remaining.ok());
  EXPECT_EQ(*remaining, std::vector{v1::EVENT_TYPE_NEW_BLOCK});
  EXPECT_EQ(em.subscribers(v1::EVENT_TYPE_NEW_TRANSACTION), std::vector<std::string>{"b"});
  // Later Subscribes are additive and never re-announce.
  auto outcome = em.subscribe("b", std::vector{v1::EVENT_TYPE_NEW_BLOCK});
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome->loaded);
  EXPECT_EQ(em.subscribers(v1::EVENT_TYPE_NEW_BLOCK), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(em.loadedModules(), (std::vector<std::string>{"a", "b"}));

  auto bad = em.subscribe("b", std::vector{v1::EVENT_TYPE_UNSPECIFIED});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_FALSE(em.subscribe("ghost", std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
}

TEST_F(EventManagerTest, CapabilitiesLimitSubscriptions) {
  ModuleAttachment module;
  module.moduleId = "narrow";
  module.subscribeAllowed.reset();
  module.subscribeAllowed.set(v1::EVENT_TYPE_NEW_BLOCK);
  em.attach(module);
  auto refused = em.subscribe("narrow", std::vector{v1::EVENT_TYPE_PEER_BANNED});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, v1::ERROR_CODE_PERMISSION_DENIED);
  EXPECT_TRUE(em.subscriptions("narrow").empty()) << "all or nothing";
  EXPECT_TRUE(em.subscribe("narrow", std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
}

TEST_F(EventManagerTest, EventsRoutedWhileStoppingCountAsFailed) {
  load("leaving", 4);
  publishBlock(1);
  em.flush();
  em.beginStopping("leaving");
  publishBlock(2);
  publishBlock(3);
  auto s = stats("leaving");
  EXPECT_EQ(s.failed(), 2u);
  EXPECT_EQ(s.in_flight(), 1u);
  EXPECT_TRUE(em.ack("leaving", 1).ok()) << "a stopping module may still ack";
  em.detach("leaving");
  s = stats("leaving");
  EXPECT_EQ(s.lost(), 0u);
  EXPECT_EQ(s.acked(), 1u);
  expectInvariants();
}

TEST_F(EventManagerTest, DeadModuleIsUnroutedAndWhatItHeldIsLost) {
  load("victim", 5);
  load("other", 5);
  for (int i = 1; i <= 4; ++i)
    publishBlock(i);
  em.flush();
  ASSERT_TRUE(em.ack("victim", 1).ok());
  publishBlock(5);  // queued, not yet sent
  em.detach("victim");
  expectInvariants();
  auto s = stats("victim");
  EXPECT_EQ(s.lost(), 4u);  // 3 in flight + 1 queued
  EXPECT_EQ(s.acked(), 1u);
  EXPECT_EQ(s.in_flight(), 0u);
  EXPECT_EQ(s.queued(), 0u);
  EXPECT_EQ(em.subscribers(v1::EVENT_TYPE_NEW_BLOCK), std::vector<std::string>{"other"});
  EXPECT_EQ(em.loadedModules(), std::vector<std::string>{"other"});

  publishBlock(6);
  em.flush();
  EXPECT_EQ(stats("victim").routed(), 5u) << "nothing routed to a detached module";
  EXPECT_EQ(stats("other").successful(), 5u) << "the others keep receiving";
  expectInvariants();
}

TEST_F(EventManagerTest, HandledFollowsAcksDetachAndIncarnations) {
  load("m", 4);
  std::vector<Acceptance> accepted;
  body = serializeEvent(blockEvent(1));
  em.publish(v1::EVENT_TYPE_NEW_BLOCK, body, {}, &accepted);
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].moduleId, "m");
  EXPECT_EQ(accepted[0].incarnation, 1u);
  EXPECT_EQ(accepted[0].seq, 1u);
  EXPECT_FALSE(em.handled(accepted[0]));
  em.flush();
  ASSERT_TRUE(em.ack("m", 1).ok());
  EXPECT_TRUE(em.handled(accepted[0]));

  em.publish(v1::EVENT_TYPE_NEW_BLOCK, body, {}, &accepted);
  ASSERT_EQ(accepted.size(), 2u);
  EXPECT_FALSE(em.handled(accepted[1]));
  em.detach("m");
  EXPECT_TRUE(em.handled(accepted[1])) << "the module is gone";

  attach("m", 4, DeliveryPolicy::Drop, 2);
  ASSERT_TRUE(em.subscribe("m", std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
  em.publish(v1::EVENT_TYPE_NEW_BLOCK, body, {}, &accepted);
  ASSERT_EQ(accepted.size(), 3u);
  EXPECT_EQ(accepted[2].incarnation, 2u);
  EXPECT_EQ(accepted[2].seq, 1u);
  EXPECT_FALSE(em.handled(accepted[2]));
  EXPECT_TRUE(em.handled(accepted[0])) << "same seq, earlier incarnation";
  EXPECT_TRUE(em.handled({"nobody", 1, 1}));
}

TEST_F(EventManagerTest, AStoppingModuleCannotSubscribe) {
  load("leaving", 4);
  em.beginStopping("leaving");
  auto refused = em.subscribe("leaving", std::vector{v1::EVENT_TYPE_NEW_TRANSACTION});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, v1::ERROR_CODE_UNAVAILABLE);
  EXPECT_EQ(em.subscriptions("leaving"), std::vector{v1::EVENT_TYPE_NEW_BLOCK});
  EXPECT_FALSE(em.unsubscribe("ghost", std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
}

}  // namespace
}  // namespace plexus::host
