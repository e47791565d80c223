// EventManager replay to late subscribers: ModuleLoaded (exact, ordered, once per incarnation,
// a restarted module announced again), sticky events until cleared, and taps (no replay, not
// announced, counted or listed).

#include <set>

#include "event_manager_fixture.h"

namespace plexus::host {
namespace {

// Every module subscribes to ModuleLoaded; capacity 1 each, more modules than capacity. Each
// must see exactly one ModuleLoaded per loaded module, the replay first and in load order.
TEST_F(EventManagerTest, ReplayIsExactAndOrderedWithMoreModulesThanCapacity) {
  const std::vector<std::string> ids = {"m1", "m2", "m3", "m4", "m5", "m6"};
  for (const auto& id : ids) {
    load(id, 1, {v1::EVENT_TYPE_MODULE_LOADED});
    expectInvariants();
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    SCOPED_TRACE(ids[i]);
    auto lifecycle = sink.lane(ids[i], v1::LANE_LIFECYCLE);
    std::vector<std::string> announced;
    std::uint64_t expectedSeq = 1;
    for (const auto& d : lifecycle) {
      EXPECT_EQ(d.seq, expectedSeq++);
      EXPECT_EQ(d.droppedBefore, 0u);
      v1::Event event;
      ASSERT_TRUE(event.ParseFromString(d.body));
      ASSERT_EQ(event.type(), v1::EVENT_TYPE_MODULE_LOADED);
      EXPECT_EQ(event.source(), "host");
      EXPECT_EQ(event.module_loaded().name(), event.module_loaded().module_id() + "-name");
      EXPECT_EQ(event.module_loaded().version(), "1.2.3");
      announced.push_back(event.module_loaded().module_id());
    }
    // Modules loaded before it (replay, load order), itself, then every later module.
    EXPECT_EQ(announced, ids);
    EXPECT_EQ(std::set<std::string>(announced.begin(), announced.end()).size(), ids.size());
    EXPECT_EQ(stats(ids[i]).routed(), 0u) << "the lifecycle lane is not counted";
  }
}

TEST_F(EventManagerTest, LateModuleLoadedSubscriptionReplaysOnceIncludingItself) {
  load("a", 1, {v1::EVENT_TYPE_NEW_BLOCK});
  load("b", 1, {v1::EVENT_TYPE_NEW_BLOCK});
  ASSERT_TRUE(em.subscribe("b", std::vector{v1::EVENT_TYPE_MODULE_LOADED}).ok());
  ASSERT_TRUE(em.unsubscribe("b", std::vector{v1::EVENT_TYPE_MODULE_LOADED}).ok());
  ASSERT_TRUE(em.subscribe("b", std::vector{v1::EVENT_TYPE_MODULE_LOADED}).ok());
  em.flush();
  auto lifecycle = sink.lane("b", v1::LANE_LIFECYCLE);
  ASSERT_EQ(lifecycle.size(), 2u) << "replayed once, never again";
  v1::Event first, second;
  ASSERT_TRUE(first.ParseFromString(lifecycle[0].body));
  ASSERT_TRUE(second.ParseFromString(lifecycle[1].body));
  EXPECT_EQ(first.module_loaded().module_id(), "a");
  EXPECT_EQ(second.module_loaded().module_id(), "b");
}

TEST_F(EventManagerTest, RestartedModuleIsAnnouncedAgainAsANewIncarnation) {
  load("watcher", 1, {v1::EVENT_TYPE_MODULE_LOADED});
  load("phoenix", 1, {v1::EVENT_TYPE_NEW_BLOCK});
  em.detach("phoenix");
  attach("phoenix", 1, DeliveryPolicy::Drop, 2);
  ASSERT_TRUE(em.subscribe("phoenix", std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
  em.flush();
  auto lifecycle = sink.lane("watcher", v1::LANE_LIFECYCLE);
  ASSERT_EQ(lifecycle.size(), 3u);  // itself, phoenix#1, phoenix#2
  v1::Event last;
  ASSERT_TRUE(last.ParseFromString(lifecycle[2].body));
  EXPECT_EQ(last.module_loaded().module_id(), "phoenix");
  EXPECT_EQ(last.module_loaded().incarnation(), 2u);
}

TEST_F(EventManagerTest, StickyEventsReachLaterSubscribersOnceUntilCleared) {
  auto disk = serializeEvent(hostEvent(v1::EVENT_TYPE_DISK_SPACE_LOW));
  auto startup = serializeEvent(hostEvent(v1::EVENT_TYPE_NODE_STARTUP));
  load("early", 5, {v1::EVENT_TYPE_DISK_SPACE_LOW});
  em.publishSticky(v1::EVENT_TYPE_DISK_SPACE_LOW, disk);
  em.publishSticky(v1::EVENT_TYPE_NODE_STARTUP, startup);
  load("late", 5, {v1::EVENT_TYPE_DISK_SPACE_LOW, v1::EVENT_TYPE_NODE_STARTUP});
  ASSERT_TRUE(em.subscribe("early", std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
  em.flush();
  EXPECT_EQ(sink.lane("early", v1::LANE_EVENT).size(), 1u)
      << "once, not again on a later Subscribe";
  ASSERT_EQ(sink.lane("late", v1::LANE_EVENT).size(), 1u) << "the standing condition, counted";
  EXPECT_EQ(sink.lane("late", v1::LANE_LIFECYCLE).size(), 1u) << "NodeStartup on its lane";
  EXPECT_EQ(stats("late").routed(), 1u);
  em.clearSticky(v1::EVENT_TYPE_DISK_SPACE_LOW);
  load("later", 5, {v1::EVENT_TYPE_DISK_SPACE_LOW});
  em.flush();
  EXPECT_TRUE(sink.lane("later", v1::LANE_EVENT).empty()) << "the disk recovered";
  expectInvariants();
}

TEST_F(EventManagerTest, TapsAreNeitherAnnouncedNorCountedNorListed) {
  load("watcher", 5, {v1::EVENT_TYPE_MODULE_LOADED, v1::EVENT_TYPE_NEW_BLOCK});
  ModuleAttachment tap;
  tap.moduleId = "tail:1";
  tap.capacity = 2;
  tap.tap = true;
  em.attach(tap);
  auto outcome = em.subscribe("tail:1", std::vector{v1::EVENT_TYPE_NEW_BLOCK});
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome->loaded);
  for (int i = 1; i <= 3; ++i)
    publishBlock(i);
  em.flush();
  EXPECT_EQ(sink.lane("tail:1", v1::LANE_EVENT).size(), 2u) << "its own bounded channel";
  EXPECT_EQ(sink.lane("watcher", v1::LANE_LIFECYCLE).size(), 1u) << "only its own ModuleLoaded";
  EXPECT_EQ(em.subscribers(v1::EVENT_TYPE_NEW_BLOCK), std::vector<std::string>{"watcher"});
  EXPECT_EQ(em.allStats().size(), 1u);
  EXPECT_EQ(em.loadedModules(), std::vector<std::string>{"watcher"});
}

}  // namespace
}  // namespace plexus::host
