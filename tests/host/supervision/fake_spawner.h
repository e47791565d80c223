#pragma once

// FakeSpawner: a ProcessSpawner without processes. It records every spawn request and signal;
// a test ends a process with exit() (what the real spawner reports when the pidfd fires) and
// can make the next spawn fail. Pids start high and are never handed to the system.

#include <sys/types.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "supervision/process_spawner.h"

namespace plexus::host {

class FakeSpawner final : public ProcessSpawner {
 public:
  struct Signal {
    pid_t pid;
    int signal;
    bool operator==(const Signal&) const = default;
  };

  Result<SpawnedProcess> spawn(const SpawnRequest& request, OnExit onExit) override {
    requests.push_back(request);
    if (failNext) {
      std::string why = std::exchange(*failNext, {});
      failNext.reset();
      return makeError(v1::ERROR_CODE_INTERNAL, why);
    }
    const pid_t pid = m_nextPid++;
    m_running.emplace(pid, std::move(onExit));
    return SpawnedProcess{pid, -1, -1};
  }

  void signalGroup(pid_t pid, int signal) override { signals.push_back({pid, signal}); }

  void abandon(pid_t pid) override {
    abandoned.push_back(pid);
    m_running.erase(pid);
  }

  bool isStopped(pid_t pid) override { return stopped.count(pid) > 0; }

  // The process ends: its owner is told, as by the real spawner once it reaped the process.
  void exit(pid_t pid, ProcessExit how) {
    auto it = m_running.find(pid);
    if (it == m_running.end()) return;
    OnExit onExit = std::move(it->second);
    m_running.erase(it);
    onExit(how);
  }
  void exitCode(pid_t pid, int code) { exit(pid, ProcessExit{code, 0}); }
  void exitSignal(pid_t pid, int signal) { exit(pid, ProcessExit{-1, signal}); }

  bool running(pid_t pid) const { return m_running.count(pid) > 0; }
  std::size_t runningCount() const { return m_running.size(); }
  // The signals sent to `pid`, in order.
  std::vector<int> signalsTo(pid_t pid) const {
    std::vector<int> out;
    for (const auto& s : signals) {
      if (s.pid == pid) out.push_back(s.signal);
    }
    return out;
  }

  std::vector<SpawnRequest> requests;
  std::vector<Signal> signals;
  std::vector<pid_t> abandoned;
  std::set<pid_t> stopped;              // isStopped() is true for these
  std::optional<std::string> failNext;  // the next spawn fails with this message

 private:
  pid_t m_nextPid = 100000;
  std::map<pid_t, OnExit> m_running;
};

}  // namespace plexus::host
