#pragma once

// CPU time of plexus-bench's threads and of its module processes' threads, from /proc.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace plexus::bench {

// One thread: the process it belongs to ("host" or a module id), its tid and its name (comm).
struct ThreadKey {
  std::string process;
  int tid = 0;
  std::string name;
  bool operator<(const ThreadKey& other) const {
    return std::tie(process, tid, name) < std::tie(other.process, other.tid, other.name);
  }
};

using CpuProfile = std::map<ThreadKey, double>;  // CPU seconds (user + system) per thread

// CPU seconds of a process or thread from its /proc stat file; 0 when unreadable.
double cpuSeconds(const std::filesystem::path& stat);

// Every thread of this process ("host") and of each (module id, pid).
CpuProfile cpuProfile(const std::vector<std::pair<std::string, int>>& modules);

// Total CPU seconds of a profile.
double totalSeconds(const CpuProfile& profile);

// One "profile: ..." line per thread to stderr with the CPU it used between the two profiles
// (threads that started in between count from zero), then totals per process and overall.
void printProfile(const CpuProfile& before, const CpuProfile& after, double wallSeconds,
                  std::uint64_t delivered);

// This process's resident set, kB.
std::uint64_t rssKb();

}  // namespace plexus::bench
