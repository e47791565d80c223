#include "cpu_profile.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <system_error>

namespace plexus::bench {

namespace {

void addThreads(const std::string& process, const std::filesystem::path& tasks, CpuProfile& out) {
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    int tid = 0;
    try {
      tid = std::stoi(task.path().filename().string());
    } catch (...) {
      continue;
    }
    std::string name;
    std::getline(std::ifstream(task.path() / "comm"), name);
    out[ThreadKey{process, tid, name}] = cpuSeconds(task.path() / "stat");
  }
}

}  // namespace

double cpuSeconds(const std::filesystem::path& stat) {
  std::ifstream in(stat);
  std::string line;
  if (!std::getline(in, line) || line.rfind(')') == std::string::npos) return 0;
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

CpuProfile cpuProfile(const std::vector<std::pair<std::string, int>>& modules) {
  CpuProfile out;
  addThreads("host", "/proc/self/task", out);
  for (const auto& [id, pid] : modules)
    addThreads(id, std::filesystem::path("/proc") / std::to_string(pid) / "task", out);
  return out;
}

double totalSeconds(const CpuProfile& profile) {
  double sum = 0;
  for (const auto& [thread, seconds] : profile)
    sum += seconds;
  return sum;
}

void printProfile(const CpuProfile& before, const CpuProfile& after, double wallSeconds,
                  std::uint64_t delivered) {
  std::map<std::string, double> perProcess;
  double total = 0;
  for (const auto& [thread, seconds] : after) {
    const auto earlier = before.find(thread);
    const double used = seconds - (earlier == before.end() ? 0.0 : earlier->second);
    perProcess[thread.process] += used;
    total += used;
    std::fprintf(stderr, "profile: %-10s %-16s tid=%-8d %7.2f s cpu\n", thread.process.c_str(),
                 thread.name.c_str(), thread.tid, used);
  }
  for (const auto& [process, used] : perProcess)
    std::fprintf(stderr, "profile: %-10s %-16s %12s %7.2f s cpu\n", process.c_str(), "(process)",
                 "", used);
  std::fprintf(stderr,
               "profile: %-10s %-16s %12s %7.2f s cpu in %.2f s (%.2f us per delivered event)\n",
               "total", "", "", total, wallSeconds,
               delivered > 0 ? total * 1e6 / static_cast<double>(delivered) : 0.0);
}

std::uint64_t rssKb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

}  // namespace plexus::bench
