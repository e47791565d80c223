#include "supervision/process_tree.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "plexus/ipc/protocol.h"
#include "runtime/logging.h"

namespace plexus::host {

namespace {
constexpr std::size_t kMaxTree = 4096;  // a fork bomb does not keep the loop walking for ever
}

std::vector<pid_t> childrenOf(pid_t pid) {
  std::vector<pid_t> out;
  std::error_code ec;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    std::ifstream children(task.path() / "children");
    for (pid_t child = 0; children >> child;)
      out.push_back(child);
  }
  return out;
}

std::vector<pid_t> processTree(pid_t root) {
  std::vector<pid_t> tree{root};
  for (std::size_t i = 0; i < tree.size() && tree.size() < kMaxTree; ++i) {
    for (pid_t child : childrenOf(tree[i]))
      tree.push_back(child);
  }
  return tree;
}

std::optional<std::string> environmentValue(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  const std::string prefix = name + "=";
  for (std::string entry; std::getline(in, entry, '\0');) {
    if (entry.rfind(prefix, 0) == 0) return entry.substr(prefix.size());
  }
  return std::nullopt;
}

OrphanReaper::OrphanReaper(IsModule isModule) : m_isModule(std::move(isModule)) {
  m_enabled = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
  if (!m_enabled) {
    logger("supervisor")->warn("cannot become child subreaper: a module's daemons may outlive it");
  }
}

char processState(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');  // the command name may hold anything, ')' included
  return close == std::string::npos || close + 2 >= line.size() ? '\0' : line[close + 2];
}

// A zombie (or a process already gone) waits only to be reaped: nothing to kill.
static bool zombie(pid_t pid) {
  const char state = processState(pid);
  return state == '\0' || state == 'Z';
}

std::vector<pid_t> OrphanReaper::orphans() const {
  std::vector<pid_t> out;
  for (pid_t child : childrenOf(::getpid())) {
    if (!m_isModule(child)) out.push_back(child);
  }
  return out;
}

std::size_t OrphanReaper::kill(const std::function<bool(pid_t)>& select) {
  std::size_t killed = 0;
  for (pid_t orphan : orphans()) {
    if (zombie(orphan) || !select(orphan)) continue;
    // The whole tree first (its descendants would become orphans of ours in turn), then its
    // process group if it leads one of its own (a daemon that called setsid()).
    for (pid_t pid : processTree(orphan))
      ::kill(pid, SIGKILL);
    const pid_t group = ::getpgid(orphan);
    if (group == orphan && group != ::getpgrp()) ::kill(-group, SIGKILL);
    ++killed;
  }
  reap();
  return killed;
}

std::size_t OrphanReaper::moduleExited(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (!m_enabled) return 0;
  const std::size_t killed =
      kill([&](pid_t orphan) { return environmentValue(orphan, ipc::kEnvModuleId) == moduleId; });
  if (killed > 0) {
    logger("supervisor")
        ->info("module '{}': killed {} process(es) it left behind", moduleId, killed);
  }
  return killed;
}

std::size_t OrphanReaper::killAll() {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (!m_enabled) return 0;
  const std::size_t killed = kill([](pid_t) { return true; });
  if (killed > 0) logger("supervisor")->info("killed {} process(es) modules left behind", killed);
  return killed;
}

void OrphanReaper::reap() {
  PLEXUS_ASSERT_THREAD(m_thread);
  for (pid_t orphan : orphans()) {
    siginfo_t info{};
    ::waitid(P_PID, static_cast<id_t>(orphan), &info, WEXITED | WNOHANG);
  }
}

}  // namespace plexus::host
