#pragma once

// ResourceMonitor: checks resources on a period and publishes the host's resource events when a
// threshold is crossed (once per crossing, again after recovering):
// - DiskSpaceLow: free space of the data dir (statvfs) under `disk_space_low_bytes`; sticky
//   while it lasts, so a module subscribing later still learns that the disk is low;
// - ResourceLimitWarning: a module's resident memory (/proc/<pid>/statm) over its
//   `limits.rss_soft_limit_bytes`.
// Thread rule: loop thread only.

#include <plexus/v1/config.pb.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "delivery/event_manager.h"
#include "runtime/event_loop.h"
#include "supervision/module_directory.h"

namespace plexus::host {

// Free bytes for unprivileged users on the filesystem of `path`; nullopt if it cannot be read.
std::optional<std::uint64_t> freeBytes(const std::filesystem::path& path);
// Resident set size of a process; nullopt if it cannot be read (gone).
std::optional<std::uint64_t> residentBytes(int pid);

class ResourceMonitor {
 public:
  ResourceMonitor(EventLoop& loop, EventManager& events, const ModuleDirectory& modules,
                  std::filesystem::path dataDir, std::uint64_t diskLowBytes,
                  std::chrono::milliseconds interval);
  void start();
  void check();

 private:
  void checkDisk();
  void checkModules();

  EventLoop& m_loop;
  EventManager& m_events;
  const ModuleDirectory& m_modules;
  std::filesystem::path m_dataDir;
  std::uint64_t m_diskLowBytes;
  std::chrono::milliseconds m_interval;
  bool m_diskLow = false;
  std::set<std::string> m_overLimit;  // "module#incarnation"
};

}  // namespace plexus::host
