// Replay: a late ModuleLoaded subscriber gets the load order once; sticky events reach later
// subscribers once while they stand (lifecycle types on the lifecycle lane, others handed back
// for the event lane); current subscribers and taps get nothing more.

#include "delivery/replay.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace plexus::host {
namespace {

class ReplayTest : public ::testing::Test {
 public:
  ModuleSlot& attached(const std::string& id, bool tap = false) {
    ModuleSlot& slot = slots.getOrCreate(id);
    ModuleAttachment module;
    module.moduleId = id;
    module.capacity = 4;
    module.tap = tap;
    slot.beginIncarnation(module);
    return slot;
  }
  ModuleSlot& loaded(const std::string& id) {
    ModuleSlot& slot = attached(id);
    slot.announcement = ipc::SharedBytes::copyOf("loaded:" + id);
    replay.loaded(slot);
    return slot;
  }
  static std::vector<std::string> lifecycle(const ModuleSlot& slot) {
    std::vector<ipc::OutgoingEvent> out;
    slot.channel->peekLifecycle(out, 100);
    std::vector<std::string> bodies;
    bodies.reserve(out.size());
    for (const auto& e : out)
      bodies.emplace_back(e.body->view());
    return bodies;
  }

  ModuleSlots slots;
  Replay replay;
  const ipc::SharedBytes disk = ipc::SharedBytes::copyOf("disk-low");
  const ipc::SharedBytes startup = ipc::SharedBytes::copyOf("startup");
};

TEST_F(ReplayTest, ALateModuleLoadedSubscriberGetsTheLoadOrderOnce) {
  loaded("a");
  loaded("b");
  ModuleSlot& c = attached("c");
  auto missed = replay.catchUp(c, v1::EVENT_TYPE_MODULE_LOADED);
  EXPECT_TRUE(missed.lifecycle);
  EXPECT_EQ(missed.event, nullptr);
  EXPECT_EQ(lifecycle(c), (std::vector<std::string>{"loaded:a", "loaded:b"}));
  missed = replay.catchUp(c, v1::EVENT_TYPE_MODULE_LOADED);
  EXPECT_FALSE(missed.lifecycle) << "once per incarnation";
  EXPECT_EQ(lifecycle(c).size(), 2u);
}

TEST_F(ReplayTest, AnUnloadedModuleLeavesTheLoadOrder) {
  ModuleSlot& a = loaded("a");
  loaded("b");
  replay.unloaded(a);
  ASSERT_EQ(replay.loadOrder().size(), 1u);
  EXPECT_EQ(replay.loadOrder()[0]->id, "b");
  ModuleSlot& c = attached("c");
  replay.catchUp(c, v1::EVENT_TYPE_MODULE_LOADED);
  EXPECT_EQ(lifecycle(c), std::vector<std::string>{"loaded:b"});
}

TEST_F(ReplayTest, StickyEventsGoToTheirLane) {
  replay.setSticky(v1::EVENT_TYPE_NODE_STARTUP, startup, {});
  replay.setSticky(v1::EVENT_TYPE_DISK_SPACE_LOW, disk, {});
  ModuleSlot& late = attached("late");
  auto lifecycleType = replay.catchUp(late, v1::EVENT_TYPE_NODE_STARTUP);
  EXPECT_TRUE(lifecycleType.lifecycle);
  EXPECT_EQ(lifecycle(late), std::vector<std::string>{"startup"});
  auto eventType = replay.catchUp(late, v1::EVENT_TYPE_DISK_SPACE_LOW);
  EXPECT_FALSE(eventType.lifecycle);
  ASSERT_NE(eventType.event, nullptr);
  EXPECT_EQ(eventType.event->view(), "disk-low");
  EXPECT_EQ(late.channel->held(), 0u) << "the caller admits it";
  EXPECT_EQ(replay.catchUp(late, v1::EVENT_TYPE_DISK_SPACE_LOW).event, nullptr) << "once";
}

TEST_F(ReplayTest, CurrentSubscribersAreNotGivenTheStickyAgain) {
  ModuleSlot& early = attached("early");
  ModuleSlot* subscribers[] = {&early};
  replay.setSticky(v1::EVENT_TYPE_DISK_SPACE_LOW, disk, subscribers);
  EXPECT_EQ(replay.catchUp(early, v1::EVENT_TYPE_DISK_SPACE_LOW).event, nullptr);
  EXPECT_NE(replay.catchUp(attached("late"), v1::EVENT_TYPE_DISK_SPACE_LOW).event, nullptr);
}

TEST_F(ReplayTest, AClearedStickyIsNotGivenAndMayStandAgain) {
  ModuleSlot& a = attached("a");
  EXPECT_EQ(replay.catchUp(a, v1::EVENT_TYPE_DISK_SPACE_LOW).event, nullptr)
      << "nothing stands yet (and nothing is marked as given)";
  replay.setSticky(v1::EVENT_TYPE_DISK_SPACE_LOW, disk, {});
  EXPECT_NE(replay.catchUp(a, v1::EVENT_TYPE_DISK_SPACE_LOW).event, nullptr);
  replay.clearSticky(v1::EVENT_TYPE_DISK_SPACE_LOW, slots);
  EXPECT_EQ(replay.catchUp(attached("b"), v1::EVENT_TYPE_DISK_SPACE_LOW).event, nullptr)
      << "the disk recovered";
  replay.setSticky(v1::EVENT_TYPE_DISK_SPACE_LOW, disk, {});
  EXPECT_NE(replay.catchUp(a, v1::EVENT_TYPE_DISK_SPACE_LOW).event, nullptr)
      << "low again: given again";
}

TEST_F(ReplayTest, TapsGetNoReplay) {
  loaded("a");
  replay.setSticky(v1::EVENT_TYPE_NODE_STARTUP, startup, {});
  ModuleSlot& tap = attached("tail:1", /*tap=*/true);
  EXPECT_FALSE(replay.catchUp(tap, v1::EVENT_TYPE_MODULE_LOADED).lifecycle);
  EXPECT_FALSE(replay.catchUp(tap, v1::EVENT_TYPE_NODE_STARTUP).lifecycle);
  EXPECT_FALSE(tap.channel->hasLifecycle());
}

}  // namespace
}  // namespace plexus::host
