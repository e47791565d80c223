#pragma once

// SpawnedProcess: a process a test runs beside it (plexusctl publishing in the background), its
// output discarded; killed (SIGKILL) and reaped by kill() or the destructor.
// Thread rule: one thread.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>  // environ

#include <string>
#include <vector>

namespace plexus::test {

class SpawnedProcess {
 public:
  explicit SpawnedProcess(std::vector<std::string> args) : m_args(std::move(args)) {
    std::vector<char*> argv;
    argv.reserve(m_args.size() + 1);
    for (auto& arg : m_args)
      argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    ::posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    if (::posix_spawn(&m_pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) m_pid = -1;
    ::posix_spawn_file_actions_destroy(&actions);
  }
  ~SpawnedProcess() { kill(); }
  SpawnedProcess(const SpawnedProcess&) = delete;
  SpawnedProcess& operator=(const SpawnedProcess&) = delete;

  bool started() const { return m_pid > 0; }
  pid_t pid() const { return m_pid; }
  // Still running (not exited); reaps it when it has exited.
  bool running() {
    if (m_pid <= 0) return false;
    if (::waitpid(m_pid, &m_status, WNOHANG) != m_pid) return true;
    m_pid = -1;
    return false;
  }
  void kill() {
    if (m_pid <= 0) return;
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, &m_status, 0);
    m_pid = -1;
  }

 private:
  std::vector<std::string> m_args;
  pid_t m_pid = -1;
  int m_status = 0;
};

}  // namespace plexus::test
