#pragma once

// The EventManager tests' fixture: a real EventManager over a RecordingSink, with a steady
// clock the test moves and a fixed wall clock, and optionally the node's Journal; helpers to attach
// and load modules, publish NewBlock events and check both delivery invariants of docs/design.md
// for every module id.

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "delivery/event_factory.h"
#include "delivery/event_manager.h"
#include "recording_sink.h"

namespace plexus::host {

inline v1::Event blockEvent(std::uint64_t height) {
  v1::Event event = hostEvent(v1::EVENT_TYPE_NEW_BLOCK);
  event.mutable_new_block()->set_hash("00ab");
  event.mutable_new_block()->set_height(height);
  return event;
}

class EventManagerTest : public ::testing::Test {
 public:
  // `journal` (Options::journal): the node's journal the manager takes offsets from, none by
  // default. It must outlive the manager: a fixture with one holds it in a base class listed
  // before this one (event_manager_journal_test.cpp).
  explicit EventManagerTest(Journal* journal = nullptr) : em(sink, makeOptions(journal)) {}

  EventManager::Options makeOptions(Journal* journal) {
    EventManager::Options options;
    options.journal = journal;
    options.blockTimeout = std::chrono::milliseconds(1000);
    options.steadyNow = [this] { return now; };
    options.graceUntil = [this] { return graceUntil; };
    options.wallNowMs = [] { return 1234; };
    options.returning = [this](const std::string& id) { return returning.contains(id); };
    options.criticalTypes.set(v1::EVENT_TYPE_CHAIN_REORG);  // the defaults (config/priorities.h)
    options.criticalTypes.set(v1::EVENT_TYPE_BLOCK_DISCONNECTED);
    return options;
  }

  void attach(const std::string& id, std::uint32_t capacity,
              DeliveryPolicy policy = DeliveryPolicy::Drop, std::uint64_t incarnation = 1,
              std::uint32_t criticalCapacity = 0) {
    ModuleAttachment module;
    module.criticalCapacity = criticalCapacity;
    module.moduleId = id;
    module.name = id + "-name";
    module.version = "1.2.3";
    module.capacity = capacity;
    module.policy = policy;
    module.incarnation = incarnation;
    module.offsets = true;  // a module at the node's minor (1.4 or later)
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
  // Both delivery invariants of docs/design.md, for every module id, in total and per lane,
  // plus the capacity bound; the totals are the sums of the lanes.
  template <class Stats>
  static void expectBalanced(const Stats& s) {
    EXPECT_EQ(s.routed(), s.successful() + s.channel_full() + s.failed());
    EXPECT_EQ(s.successful(), s.acked() + s.queued() + s.in_flight() + s.lost());
    if (s.capacity() > 0) {
      EXPECT_LE(s.queued() + s.in_flight(), s.capacity());
      EXPECT_LE(s.max_held(), s.capacity());
    }
  }
  void expectInvariants() {
    for (const auto& s : em.allStats()) {
      SCOPED_TRACE(s.module_id());
      expectBalanced(s);
      ASSERT_EQ(s.lanes_size(), 2);
      v1::LaneStats sum;
      for (const auto& lane : s.lanes()) {
        SCOPED_TRACE(v1::Lane_Name(lane.lane()));
        expectBalanced(lane);
        sum.set_routed(sum.routed() + lane.routed());
        sum.set_successful(sum.successful() + lane.successful());
        sum.set_channel_full(sum.channel_full() + lane.channel_full());
        sum.set_failed(sum.failed() + lane.failed());
        sum.set_acked(sum.acked() + lane.acked());
        sum.set_lost(sum.lost() + lane.lost());
        sum.set_capacity(sum.capacity() + lane.capacity());
      }
      EXPECT_EQ(s.routed(), sum.routed());
      EXPECT_EQ(s.successful(), sum.successful());
      EXPECT_EQ(s.channel_full(), sum.channel_full());
      EXPECT_EQ(s.failed(), sum.failed());
      EXPECT_EQ(s.acked(), sum.acked());
      EXPECT_EQ(s.lost(), sum.lost());
      EXPECT_EQ(s.capacity(), sum.capacity());
    }
  }
  std::uint64_t lastEventSeq(const std::string& id) {
    auto events = sink.lane(id, v1::LANE_EVENT);
    return events.empty() ? 0 : events.back().seq;
  }

  SteadyClock::time_point now = SteadyClock::time_point(std::chrono::hours(1));
  SteadyClock::time_point graceUntil{};  // after a pause of the node (Timers::graceUntil)
  RecordingSink sink;
  std::set<std::string> returning;  // modules whose next incarnation is on its way
  EventManager em;
  ipc::SharedBytes body;
};

}  // namespace plexus::host
