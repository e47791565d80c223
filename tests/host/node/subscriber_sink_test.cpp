// SubscriberSink: batches of modules go to the module transport and those of tail sessions to
// the sessions; unreachable subscribers are reported to their owner (the registry, or the tail
// sessions, which end the session).

#include "node/subscriber_sink.h"

#include <gtest/gtest.h>

#include "delivery/event_factory.h"
#include "fakes/fake_replier.h"
#include "module_link/module_server_fixture.h"

namespace plexus::host {
namespace {

class SubscriberSinkTest : public ::testing::Test {
 protected:
  SubscriberSinkTest() {
    sink.setOwners(registry, tails);
    ModuleAttachment module;
    module.moduleId = "logger";
    events.attach(module);
    (void)events.subscribe("logger", std::vector{v1::EVENT_TYPE_NEW_BLOCK});
    v1::ControlRequest tail;
    tail.mutable_tail()->add_types(v1::EVENT_TYPE_NEW_BLOCK);
    tails.handle("op", tail);
  }

  void publishBlock() {
    v1::Event event = hostEvent(v1::EVENT_TYPE_NEW_BLOCK);
    event.mutable_new_block()->set_height(1);
    events.publish(event.type(), serializeEvent(event));
    events.flush();
  }

  module_link_test::FakeTransport transport;
  SubscriberSink sink{transport};
  EventManager events{sink, EventManager::Options()};
  EventLoop loop;
  fakes::FakeReplier replier;
  TailSessions tails{loop, events, replier, std::chrono::seconds(1)};
  module_link_test::FakeRegistry registry{events};
};

TEST_F(SubscriberSinkTest, ModulesGetTheirBatchesFromTheTransportTailsFromTheSessions) {
  publishBlock();
  ASSERT_EQ(transport.eventsTo("logger", v1::LANE_EVENT).size(), 1u);
  ASSERT_EQ(replier.to("op").size(), 1u);
  EXPECT_EQ(replier.to("op")[0].tail_events().bodies_size(), 1);
  for (const auto& [id, _] : replier.sent)
    EXPECT_FALSE(TailSessions::isTap(id)) << "the client gets it, not the tap id";
}

TEST_F(SubscriberSinkTest, UnreachableSubscribersGoToTheirOwners) {
  replier.gone.insert("op");
  publishBlock();
  auto unreachable = events.takeUnreachable();
  ASSERT_EQ(unreachable.size(), 1u);
  unreachable.emplace_back("logger");
  sink.unreachable(unreachable);
  EXPECT_EQ(registry.unreachable, std::vector<std::string>{"logger"});
  replier.gone.clear();
  publishBlock();
  EXPECT_TRUE(replier.to("op").empty()) << "the tail session ended";
  EXPECT_EQ(transport.eventsTo("logger", v1::LANE_EVENT).size(), 2u);
}

}  // namespace
}  // namespace plexus::host
