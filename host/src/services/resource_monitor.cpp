#include "services/resource_monitor.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <fstream>

#include "delivery/event_factory.h"
#include "runtime/logging.h"

namespace plexus::host {

namespace {

class SystemResourceProbe final : public ResourceProbe {
 public:
  std::optional<std::uint64_t> freeBytes(const std::filesystem::path& path) override {
    struct statvfs info {};
    if (::statvfs(path.c_str(), &info) != 0) return std::nullopt;
    return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
  }

  std::optional<std::uint64_t> residentBytes(int pid) override {
    std::ifstream statm("/proc/" + std::to_string(pid) + "/statm");
    std::uint64_t size = 0, resident = 0;
    if (!(statm >> size >> resident)) return std::nullopt;
    return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  }
};

}  // namespace

std::unique_ptr<ResourceProbe> makeResourceProbe() {
  return std::make_unique<SystemResourceProbe>();
}

ResourceMonitor::ResourceMonitor(Timers& timers, EventManager& events,
                                 const ModuleDirectory& modules, std::filesystem::path dataDir,
                                 std::uint64_t diskLowBytes, std::chrono::milliseconds interval,
                                 std::unique_ptr<ResourceProbe> probe)
    : m_timers(timers),
      m_events(events),
      m_modules(modules),
      m_dataDir(std::move(dataDir)),
      m_diskLowBytes(diskLowBytes),
      m_interval(interval),
      m_probe(std::move(probe)) {}

void ResourceMonitor::start() {
  PLEXUS_ASSERT_THREAD(m_thread);
  check();
  m_timers.runAfter(m_interval, [this] { start(); });
}

void ResourceMonitor::check() {
  PLEXUS_ASSERT_THREAD(m_thread);
  checkDisk();
  checkModules();
}

void ResourceMonitor::checkDisk() {
  if (m_diskLowBytes == 0) return;
  auto free = m_probe->freeBytes(m_dataDir);
  if (!free) return;
  const bool low = *free < m_diskLowBytes;
  if (low && !m_diskLow) {
    logger("node")->warn("disk space low on {}: {} bytes free, threshold {}", m_dataDir.string(),
                         *free, m_diskLowBytes);
    v1::Event event = hostEvent(v1::EVENT_TYPE_DISK_SPACE_LOW);
    event.mutable_disk_space_low()->set_path(m_dataDir.string());
    event.mutable_disk_space_low()->set_free_bytes(*free);
    event.mutable_disk_space_low()->set_threshold_bytes(m_diskLowBytes);
    m_events.publishSticky(event.type(), serializeEvent(event));  // also for later subscribers
  } else if (!low && m_diskLow) {
    logger("node")->info("disk space on {} is back above the threshold ({} bytes free)",
                         m_dataDir.string(), *free);
    m_events.clearSticky(v1::EVENT_TYPE_DISK_SPACE_LOW);
  }
  m_diskLow = low;
}

void ResourceMonitor::checkModules() {
  std::set<std::string> over;
  for (const auto& info : m_modules.modules()) {
    const auto* config = m_modules.moduleConfig(info.module_id());
    const std::uint64_t limit = config ? config->limits().rss_soft_limit_bytes() : 0;
    if (limit == 0 || info.pid() == 0) continue;
    auto rss = m_probe->residentBytes(info.pid());
    if (!rss || *rss <= limit) continue;
    const std::string key = info.module_id() + "#" + std::to_string(info.incarnation());
    over.insert(key);
    if (m_overLimit.count(key)) continue;  // already reported this crossing
    logger("node")->warn("module '{}' uses {} bytes of resident memory, over its soft limit {}",
                         info.module_id(), *rss, limit);
    v1::Event event = hostEvent(v1::EVENT_TYPE_RESOURCE_LIMIT_WARNING);
    auto* warning = event.mutable_resource_limit_warning();
    warning->set_module_id(info.module_id());
    warning->set_resource("rss_bytes");
    warning->set_value(*rss);
    warning->set_limit(limit);
    m_events.publish(event.type(), serializeEvent(event));
  }
  m_overLimit = std::move(over);
}

}  // namespace plexus::host
