#pragma once

// ResourceMonitor: checks resources on a period and publishes the host's resource events when a
// threshold is crossed (once per crossing, again after recovering):
// - DiskSpaceLow: free space of the data dir (statvfs) under `disk_space_low_bytes`; sticky
//   while it lasts, so a module subscribing later still learns that the disk is low;
// - ResourceLimitWarning: a module's resident memory (/proc/<pid>/statm) over its
//   `limits.rss_soft_limit_bytes`.
// Thread rule: loop thread only.

#include <plexus/v1/config.pb.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "delivery/event_manager.h"
#include "plexus/ipc/thread_checker.h"
#include "runtime/timers.h"
#include "supervision/module_directory.h"

namespace plexus::host {

// ResourceProbe: what the monitor reads from the system; unit tests fake it.
class ResourceProbe {
 public:
  virtual ~ResourceProbe() = default;
  // Free bytes for unprivileged users on the filesystem of `path`; nullopt if it cannot be read.
  virtual std::optional<std::uint64_t> freeBytes(const std::filesystem::path& path) = 0;
  // Resident set size of a process; nullopt if it cannot be read (gone).
  virtual std::optional<std::uint64_t> residentBytes(int pid) = 0;
};

// statvfs(2) and /proc/<pid>/statm.
std::unique_ptr<ResourceProbe> makeResourceProbe();

class ResourceMonitor {
 public:
  ResourceMonitor(Timers& timers, EventManager& events, const ModuleDirectory& modules,
                  std::filesystem::path dataDir, std::uint64_t diskLowBytes,
                  std::chrono::milliseconds interval,
                  std::unique_ptr<ResourceProbe> probe = makeResourceProbe());
  // Checks now, then every interval.
  void start();
  void check();

 private:
  void checkDisk();
  void checkModules();

  Timers& m_timers;
  EventManager& m_events;
  const ModuleDirectory& m_modules;
  std::filesystem::path m_dataDir;
  std::uint64_t m_diskLowBytes;
  std::chrono::milliseconds m_interval;
  std::unique_ptr<ResourceProbe> m_probe;
  bool m_diskLow = false;
  std::set<std::string> m_overLimit;  // "module#incarnation"
  ThreadChecker m_thread;
};

}  // namespace plexus::host
