// ResourceMonitor on fake timers, a fake module directory and a fake probe, with a real
// EventManager: DiskSpaceLow once per crossing, sticky for later subscribers until the disk
// recovers; ResourceLimitWarning once per crossing and incarnation of a module over its RSS soft
// limit; checks at start and on the interval.

#include "services/resource_monitor.h"

#include <gtest/gtest.h>

#include <map>

#include "runtime/fake_timers.h"
#include "supervision/recorded_events.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

class FakeDirectory final : public ModuleDirectory {
 public:
  void set(const std::string& id, int pid, std::uint64_t incarnation, std::uint64_t rssLimit) {
    v1::ModuleInfo info;
    info.set_module_id(id);
    info.set_pid(pid);
    info.set_incarnation(incarnation);
    infos[id] = info;
    configs[id].set_name(id);
    configs[id].mutable_limits()->set_rss_soft_limit_bytes(rssLimit);
  }
  std::vector<v1::ModuleInfo> modules() const override {
    std::vector<v1::ModuleInfo> out;
    for (const auto& [id, info] : infos)
      out.push_back(info);
    return out;
  }
  std::uint32_t countInState(v1::ModuleState) const override { return 0; }
  const v1::ModuleConfig* moduleConfig(const std::string& id) const override {
    auto it = configs.find(id);
    return it == configs.end() ? nullptr : &it->second;
  }
  void load(const v1::ModuleConfig&, ModuleCallback) override { ADD_FAILURE(); }
  void unload(const std::string&, ModuleCallback) override { ADD_FAILURE(); }
  void reload(const std::string&, ModuleCallback) override { ADD_FAILURE(); }
  Result<v1::ModuleInfo> forget(const std::string&) override {
    ADD_FAILURE();
    return makeError(v1::ERROR_CODE_INTERNAL, "not expected");
  }

  std::map<std::string, v1::ModuleInfo> infos;
  std::map<std::string, v1::ModuleConfig> configs;
};

class FakeProbe final : public ResourceProbe {
 public:
  std::optional<std::uint64_t> freeBytes(const std::filesystem::path& path) override {
    ++diskReads;
    lastPath = path;
    return free;
  }
  std::optional<std::uint64_t> residentBytes(int pid) override {
    ++rssReads;
    auto it = rss.find(pid);
    if (it == rss.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::uint64_t> free;
  std::map<int, std::uint64_t> rss;
  std::filesystem::path lastPath;
  int diskReads = 0;
  int rssReads = 0;
};

class ResourceMonitorTest : public ::testing::Test {
 protected:
  ResourceMonitor& monitor(std::uint64_t diskLowBytes) {
    auto fake = std::make_unique<FakeProbe>();
    probe = fake.get();
    m_monitor = std::make_unique<ResourceMonitor>(timers, events.manager(), directory, "/data",
                                                  diskLowBytes, 1000ms, std::move(fake));
    return *m_monitor;
  }

  FakeTimers timers;
  RecordedEvents events{timers,
                        {v1::EVENT_TYPE_DISK_SPACE_LOW, v1::EVENT_TYPE_RESOURCE_LIMIT_WARNING}};
  FakeDirectory directory;
  FakeProbe* probe = nullptr;

 private:
  std::unique_ptr<ResourceMonitor> m_monitor;
};

TEST_F(ResourceMonitorTest, LowDiskIsToldOncePerCrossingAndStaysForLaterSubscribers) {
  ResourceMonitor& resources = monitor(1000);
  probe->free = 400;
  resources.check();
  EXPECT_EQ(probe->lastPath, "/data");
  auto published = events.take();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].disk_space_low().path(), "/data");
  EXPECT_EQ(published[0].disk_space_low().free_bytes(), 400u);
  EXPECT_EQ(published[0].disk_space_low().threshold_bytes(), 1000u);
  resources.check();
  EXPECT_TRUE(events.take().empty());

  // A module subscribing while the disk is low learns it.
  ModuleAttachment late;
  late.moduleId = "late";
  events.manager().attach(late);
  const v1::EventType types[] = {v1::EVENT_TYPE_DISK_SPACE_LOW};
  ASSERT_TRUE(events.manager().subscribe("late", types).ok());
  auto replayed = events.takeFor("late");
  ASSERT_EQ(replayed.size(), 1u);
  EXPECT_EQ(replayed[0].event.disk_space_low().free_bytes(), 400u);

  // Recovered: no more replay; a new crossing is told again.
  probe->free = 5000;
  resources.check();
  ModuleAttachment later;
  later.moduleId = "later";
  events.manager().attach(later);
  ASSERT_TRUE(events.manager().subscribe("later", types).ok());
  EXPECT_TRUE(events.takeFor("later").empty());
  probe->free = 999;
  resources.check();
  EXPECT_EQ(events.take().size(), 1u);
}

TEST_F(ResourceMonitorTest, NoThresholdOrNoReadingMeansNoDiskEvent) {
  ResourceMonitor& off = monitor(0);
  probe->free = 1;
  off.check();
  EXPECT_EQ(probe->diskReads, 0);
  ResourceMonitor& unreadable = monitor(1000);
  unreadable.check();  // probe->free unset
  EXPECT_EQ(probe->diskReads, 1);
  EXPECT_TRUE(events.take().empty());
}

TEST_F(ResourceMonitorTest, MemoryOverTheSoftLimitIsToldOncePerCrossingAndIncarnation) {
  ResourceMonitor& resources = monitor(0);
  directory.set("big", 42, 1, 1000);
  probe->rss[42] = 2000;
  resources.check();
  auto published = events.take();
  ASSERT_EQ(published.size(), 1u);
  const auto& warning = published[0].resource_limit_warning();
  EXPECT_EQ(warning.module_id(), "big");
  EXPECT_EQ(warning.resource(), "rss_bytes");
  EXPECT_EQ(warning.value(), 2000u);
  EXPECT_EQ(warning.limit(), 1000u);
  resources.check();
  EXPECT_TRUE(events.take().empty());

  probe->rss[42] = 1000;  // at the limit is not over it
  resources.check();
  probe->rss[42] = 1001;
  resources.check();
  EXPECT_EQ(events.take().size(), 1u);

  directory.set("big", 43, 2, 1000);  // restarted, still over
  probe->rss[43] = 3000;
  resources.check();
  EXPECT_EQ(events.take().size(), 1u);
}

TEST_F(ResourceMonitorTest, ModulesWithoutALimitOrAProcessAreNotRead) {
  ResourceMonitor& resources = monitor(0);
  directory.set("unlimited", 42, 1, 0);
  directory.set("stopped", 0, 1, 1000);
  resources.check();
  EXPECT_EQ(probe->rssReads, 0);
  EXPECT_TRUE(events.take().empty());
}

TEST_F(ResourceMonitorTest, StartChecksNowAndThenEveryInterval) {
  ResourceMonitor& resources = monitor(1000);
  resources.start();
  EXPECT_EQ(probe->diskReads, 1);
  timers.advance(999ms);
  EXPECT_EQ(probe->diskReads, 1);
  timers.advance(1ms);
  EXPECT_EQ(probe->diskReads, 2);
  timers.advance(3000ms);
  EXPECT_EQ(probe->diskReads, 5);
}

}  // namespace
}  // namespace plexus::host
