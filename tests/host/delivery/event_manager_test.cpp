// EventManager with a fake transport: exact capacity under both policies, drop counting and
// sequence gaps, dead-module cleanup, replay ordering and de-duplication, routing updates, and
// both invariants after every step.

#include "delivery/event_manager.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "delivery/event_factory.h"

namespace plexus::host {
namespace {

struct Delivered {
  v1::Lane lane;
  std::uint64_t seq;
  std::uint64_t droppedBefore;
  std::string body;
};

// Records every batch per module; a module can be made to refuse (would block / unreachable).
class RecordingSink : public EventSink {
 public:
  SendStatus sendEvents(const std::string& id, v1::Lane lane,
                        std::span<const ipc::OutgoingEvent> events) override {
    auto mode = modes[id];
    if (mode != SendStatus::Sent) return mode;
    ++batches[id];
    for (const auto& e : events) {
      delivered[id].push_back({lane, e.seq, e.droppedBefore, std::string(e.body->view())});
    }
    return SendStatus::Sent;
  }
  std::vector<Delivered> lane(const std::string& id, v1::Lane lane) const {
    std::vector<Delivered> out;
    auto it = delivered.find(id);
    if (it == delivered.end()) return out;
    for (const auto& d : it->second) {
      if (d.lane == lane) out.push_back(d);
    }
    return out;
  }
  std::map<std::string, std::vector<Delivered>> delivered;
  std::map<std::string, int> batches;
  std::map<std::string, SendStatus> modes;
};

struct RecordingWaiter : PublishWaiter {
  void onPublishDone(std::uint64_t token, const PublishReport& report) override {
    done[token] = report;
  }
  std::map<std::uint64_t, PublishReport> done;
};

v1::Event blockEvent(std::uint64_t height) {
  v1::Event event = hostEvent(v1::EVENT_TYPE_NEW_BLOCK);
  event.mutable_new_block()->set_hash("00ab");
  event.mutable_new_block()->set_height(height);
  return event;
}

class EventManagerTest : public ::testing::Test {
 public:
  EventManagerTest() : em(sink, makeOptions()) {}

  EventManager::Options makeOptions() {
    EventManager::Options options;
    options.blockTimeout = std::chrono::milliseconds(1000);
    options.steadyNow = [this] { return now; };
    options.wallNowMs = [] { return 1234; };
    return options;
  }

  void attach(const std::string& id, std::uint32_t capacity,
              DeliveryPolicy policy = DeliveryPolicy::Drop, std::uint64_t incarnation = 1) {
    ModuleAttachment module;
    module.moduleId = id;
    module.name = id + "-name";
    module.version = "1.2.3";
    module.capacity = capacity;
    module.policy = policy;
    module.incarnation = incarnation;
    em.attach(module);
  }
  void load(const std::string& id, std::uint32_t capacity,
            std::vector<v1::EventType> types = {v1::EVENT_TYPE_NEW_BLOCK},
            DeliveryPolicy policy = DeliveryPolicy::Drop) {
    attach(id, capacity, policy);
    auto outcome = em.subscribe(id, types);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    EXPECT_TRUE(outcome->loaded);
    em.flush();
  }
  std::optional<PublishReport> publishBlock(std::uint64_t height, PublishWaiter* waiter = nullptr,
                                            std::uint64_t token = 0) {
    body = serializeEvent(blockEvent(height));
    return em.publish(v1::EVENT_TYPE_NEW_BLOCK, body, {waiter, token});
  }
  v1::DeliveryStats stats(const std::string& id) {
    auto s = em.stats(id);
    EXPECT_TRUE(s.has_value()) << id;
    return s.value_or(v1::DeliveryStats());
  }
  // Both DESIGN.md invariants, for every module id, plus the capacity bound.
  void expectInvariants() {
    for (const auto& s : em.allStats()) {
      SCOPED_TRACE(s.module_id());
      EXPECT_EQ(s.routed(), s.successful() + s.channel_full() + s.failed());
      EXPECT_EQ(s.successful(), s.acked() + s.queued() + s.in_flight() + s.lost());
      if (s.capacity() > 0) {
        EXPECT_LE(s.queued() + s.in_flight(), s.capacity());
        EXPECT_LE(s.max_held(), s.capacity());
      }
    }
  }
  std::uint64_t lastEventSeq(const std::string& id) {
    auto events = sink.lane(id, v1::LANE_EVENT);
    return events.empty() ? 0 : events.back().seq;
  }

  SteadyClock::time_point now = SteadyClock::time_point(std::chrono::hours(1));
  RecordingSink sink;
  EventManager em;
  ipc::SharedBytes body;
};

TEST_F(EventManagerTest, DropPolicyHoldsExactlyCapacityAndCountsEveryDrop) {
  load("slow", 3);
  for (int i = 1; i <= 10; ++i) {
    publishBlock(i);
    expectInvariants();
  }
  em.flush();
  auto s = stats("slow");
  EXPECT_EQ(s.routed(), 10u);
  EXPECT_EQ(s.successful(), 3u);
  EXPECT_EQ(s.channel_full(), 7u);
  EXPECT_EQ(s.in_flight(), 3u);
  EXPECT_EQ(s.queued(), 0u);
  EXPECT_EQ(s.max_held(), 3u);
  expectInvariants();

  // Credit comes back: exactly that much room reopens.
  ASSERT_TRUE(em.ack("slow", 2).ok());
  expectInvariants();
  for (int i = 11; i <= 14; ++i)
    publishBlock(i);
  em.flush();
  s = stats("slow");
  EXPECT_EQ(s.successful(), 5u);
  EXPECT_EQ(s.channel_full(), 9u);
  EXPECT_EQ(s.acked(), 2u);
  EXPECT_EQ(s.in_flight(), 3u);
  expectInvariants();
}

TEST_F(EventManagerTest, SequenceGapsEqualDroppedBefore) {
  load("m", 2);
  for (int i = 1; i <= 5; ++i)
    publishBlock(i);  // seq 1,2 accepted; 3,4,5 dropped
  em.flush();
  ASSERT_TRUE(em.ack("m", 2).ok());
  publishBlock(6);  // seq 6
  em.flush();
  auto events = sink.lane("m", v1::LANE_EVENT);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].seq, 1u);
  EXPECT_EQ(events[0].droppedBefore, 0u);
  EXPECT_EQ(events[1].seq, 2u);
  EXPECT_EQ(events[2].seq, 6u);
  EXPECT_EQ(events[2].droppedBefore, 3u);
  EXPECT_EQ(stats("m").channel_full(), 3u);
  // Every delivered seq = previous + 1 + dropped_before.
  std::uint64_t previous = 0;
  for (const auto& e : events) {
    EXPECT_EQ(e.seq, previous + 1 + e.droppedBefore);
    previous = e.seq;
  }
  expectInvariants();
}

TEST_F(EventManagerTest, EventsQueuedInOneIterationLeaveAsOneBatchInPublishOrder) {
  load("m", 100);
  for (int i = 1; i <= 40; ++i)
    publishBlock(i);
  em.flush();
  EXPECT_EQ(sink.batches["m"], 1);
  auto events = sink.lane("m", v1::LANE_EVENT);
  ASSERT_EQ(events.size(), 40u);
  for (std::size_t i = 0; i < events.size(); ++i) {
    v1::Event event;
    ASSERT_TRUE(event.ParseFromString(events[i].body));
    EXPECT_EQ(event.new_block().height(), i + 1);
    EXPECT_EQ(events[i].seq, i + 1);
  }
}

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

TEST_F(EventManagerTest, BlockPolicyPublisherWaitsUntilAckMakesRoom) {
  load("lossless", 2, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  load("dropper", 1);
  RecordingWaiter waiter;
  EXPECT_TRUE(publishBlock(1, &waiter, 1).has_value());
  EXPECT_TRUE(publishBlock(2, &waiter, 2).has_value());
  // Third: lossless is full -> the publish waits; dropper drops at once (never slowed).
  EXPECT_FALSE(publishBlock(3, &waiter, 3).has_value());
  EXPECT_EQ(stats("lossless").blocked(), 1u);
  EXPECT_EQ(stats("dropper").channel_full(), 2u);
  expectInvariants();
  em.flush();
  EXPECT_TRUE(waiter.done.empty());

  ASSERT_TRUE(em.ack("lossless", 1).ok());  // one slot frees: the waiting event moves in
  ASSERT_EQ(waiter.done.count(3), 1u);
  EXPECT_EQ(waiter.done[3].timedOut, 0u);
  EXPECT_EQ(waiter.done[3].subscribers, 2u);
  EXPECT_EQ(waiter.done[3].dropped, 1u);
  em.flush();
  auto s = stats("lossless");
  EXPECT_EQ(s.successful(), 3u);
  EXPECT_EQ(s.channel_full(), 0u);
  EXPECT_EQ(s.blocked(), 0u);
  EXPECT_EQ(s.max_held(), 2u);
  auto events = sink.lane("lossless", v1::LANE_EVENT);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].seq, 3u);
  EXPECT_EQ(events[2].droppedBefore, 0u);
  expectInvariants();
}

TEST_F(EventManagerTest, BlockPolicyWaitTimesOutAsChannelFullWithAGap) {
  load("lossless", 1, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  RecordingWaiter waiter;
  publishBlock(1, &waiter, 1);
  EXPECT_FALSE(publishBlock(2, &waiter, 2).has_value());
  EXPECT_FALSE(publishBlock(3, &waiter, 3).has_value());
  ASSERT_TRUE(em.nextDeadline().has_value());
  EXPECT_EQ(*em.nextDeadline(), now + std::chrono::milliseconds(1000));

  now += std::chrono::milliseconds(999);
  em.expire();
  EXPECT_TRUE(waiter.done.empty());
  now += std::chrono::milliseconds(1);
  em.expire();
  ASSERT_EQ(waiter.done.size(), 2u);
  EXPECT_EQ(waiter.done[2].timedOut, 1u);
  EXPECT_EQ(waiter.done[3].timedOut, 1u);
  auto s = stats("lossless");
  EXPECT_EQ(s.channel_full(), 2u);
  EXPECT_EQ(s.blocked(), 0u);
  expectInvariants();

  em.flush();
  ASSERT_TRUE(em.ack("lossless", 1).ok());
  publishBlock(4, &waiter, 4);
  em.flush();
  auto events = sink.lane("lossless", v1::LANE_EVENT);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].seq, 4u);
  EXPECT_EQ(events[1].droppedBefore, 2u);
}

TEST_F(EventManagerTest, HostEventsNeverWaitForBlockModules) {
  load("lossless", 1, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  EXPECT_TRUE(publishBlock(1).has_value());
  auto report = publishBlock(2);  // no waiter: the loop's own event
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->dropped, 1u);
  EXPECT_EQ(stats("lossless").channel_full(), 1u);
  EXPECT_EQ(stats("lossless").blocked(), 0u);
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

TEST_F(EventManagerTest, BlockedPublishersAreReleasedWhenTheModuleDies) {
  load("lossless", 1, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  RecordingWaiter waiter;
  publishBlock(1, &waiter, 1);
  EXPECT_FALSE(publishBlock(2, &waiter, 2).has_value());
  em.detach("lossless");
  ASSERT_EQ(waiter.done.count(2), 1u);
  EXPECT_EQ(waiter.done[2].failed, 1u);
  EXPECT_EQ(waiter.done[2].timedOut, 0u);
  auto s = stats("lossless");
  EXPECT_EQ(s.failed(), 1u);
  EXPECT_EQ(s.lost(), 1u);
  expectInvariants();
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

TEST_F(EventManagerTest, StatisticsSurviveARestartAndSequencesStartAgain) {
  load("phoenix", 2);
  for (int i = 1; i <= 3; ++i)
    publishBlock(i);
  em.flush();
  em.detach("phoenix");
  attach("phoenix", 2, DeliveryPolicy::Drop, 2);
  ASSERT_TRUE(em.subscribe("phoenix", std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
  publishBlock(4);
  em.flush();
  auto s = stats("phoenix");
  EXPECT_EQ(s.routed(), 4u);
  EXPECT_EQ(s.lost(), 2u);
  EXPECT_EQ(s.channel_full(), 1u);
  EXPECT_EQ(lastEventSeq("phoenix"), 1u) << "a new incarnation counts from 1";
  expectInvariants();
}

TEST_F(EventManagerTest, ResetKeepsBothInvariants) {
  load("m", 3);
  for (int i = 1; i <= 6; ++i)
    publishBlock(i);
  em.flush();
  ASSERT_TRUE(em.ack("m", 1).ok());
  em.countDecodeError("m");
  em.countRejected("m");
  ASSERT_TRUE(em.resetStats("m"));
  auto s = stats("m");
  EXPECT_EQ(s.routed(), 2u);
  EXPECT_EQ(s.successful(), 2u);
  EXPECT_EQ(s.in_flight(), 2u);
  EXPECT_EQ(s.channel_full(), 0u);
  EXPECT_EQ(s.acked(), 0u);
  EXPECT_EQ(s.decode_errors(), 0u);
  EXPECT_EQ(s.rejected(), 0u);
  EXPECT_EQ(s.max_held(), 2u);
  expectInvariants();
  ASSERT_TRUE(em.ack("m", 3).ok());
  expectInvariants();
  EXPECT_FALSE(em.resetStats("unknown"));
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

TEST_F(EventManagerTest, LifecycleLaneGoesFirstAndNodeShutdownReachesEveryone) {
  load("m", 2, {v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_MODULE_CRASHED});
  attach("quiet", 2);  // attached, never subscribed
  publishBlock(1);
  em.publish(v1::EVENT_TYPE_MODULE_CRASHED,
             serializeEvent(hostEvent(v1::EVENT_TYPE_MODULE_CRASHED)));
  em.publishToAll(serializeEvent(hostEvent(v1::EVENT_TYPE_NODE_SHUTDOWN)));
  em.flush();
  auto all = sink.delivered["m"];
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].lane, v1::LANE_LIFECYCLE);
  EXPECT_EQ(all[1].lane, v1::LANE_LIFECYCLE);
  EXPECT_EQ(all[2].lane, v1::LANE_EVENT);
  ASSERT_EQ(sink.lane("quiet", v1::LANE_LIFECYCLE).size(), 1u);
  v1::Event shutdown;
  ASSERT_TRUE(shutdown.ParseFromString(sink.lane("quiet", v1::LANE_LIFECYCLE)[0].body));
  EXPECT_EQ(shutdown.type(), v1::EVENT_TYPE_NODE_SHUTDOWN);
  // A full channel never holds back the lifecycle lane.
  for (int i = 2; i <= 5; ++i)
    publishBlock(i);
  em.publish(v1::EVENT_TYPE_MODULE_CRASHED,
             serializeEvent(hostEvent(v1::EVENT_TYPE_MODULE_CRASHED)));
  em.flush();
  EXPECT_EQ(sink.lane("m", v1::LANE_LIFECYCLE).size(), 3u);
  expectInvariants();
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

TEST_F(EventManagerTest, TransportBackpressureKeepsEventsQueuedAndRetries) {
  load("m", 10);
  sink.modes["m"] = SendStatus::WouldBlock;
  for (int i = 1; i <= 3; ++i)
    publishBlock(i);
  em.flush();
  EXPECT_EQ(stats("m").queued(), 3u);
  ASSERT_TRUE(em.nextDeadline().has_value()) << "a retry is scheduled";
  sink.modes["m"] = SendStatus::Sent;
  em.flush();
  EXPECT_EQ(stats("m").queued(), 0u);
  EXPECT_EQ(stats("m").in_flight(), 3u);
  EXPECT_EQ(sink.lane("m", v1::LANE_EVENT).size(), 3u);
  EXPECT_FALSE(em.nextDeadline().has_value());
  expectInvariants();
}

TEST_F(EventManagerTest, UnreachablePeerIsReportedOnce) {
  load("gone", 10);
  sink.modes["gone"] = SendStatus::Unreachable;
  publishBlock(1);
  em.flush();
  publishBlock(2);
  em.flush();
  EXPECT_EQ(em.takeUnreachable(), std::vector<std::string>{"gone"});
  EXPECT_TRUE(em.takeUnreachable().empty());
  em.detach("gone");
  EXPECT_EQ(stats("gone").lost(), 2u);
  expectInvariants();
}

TEST_F(EventManagerTest, WaiterMayPublishAgainFromItsCallback) {
  load("lossless", 1, {v1::EVENT_TYPE_NEW_BLOCK}, DeliveryPolicy::Block);
  struct Chained : PublishWaiter {
    EventManagerTest* test = nullptr;
    int remaining = 3;
    int done = 0;
    void onPublishDone(std::uint64_t, const PublishReport&) override {
      ++done;
      if (remaining-- > 0) test->publishBlock(100 + remaining, this, 0);
    }
  } chained;
  chained.test = this;
  publishBlock(1);
  EXPECT_FALSE(publishBlock(2, &chained).has_value());
  for (std::uint64_t seq = 1; seq <= 5; ++seq) {
    em.flush();
    ASSERT_TRUE(em.ack("lossless", seq).ok());
    expectInvariants();
  }
  EXPECT_EQ(chained.done, 4);
  EXPECT_EQ(stats("lossless").successful(), 5u);
}

}  // namespace
}  // namespace plexus::host
