#include "supervision/process_spawner.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/env.hpp>
#include <boost/process/environment.hpp>
#include <boost/process/exception.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <unordered_map>

#include "plexus/ipc/protocol.h"
#include "plexus/ipc/thread_checker.h"
#include "runtime/event_loop.h"
#include "supervision/process_tree.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace plexus::host {

namespace bp = boost::process;

namespace {

void setLimit(int resource, std::uint64_t soft, std::uint64_t hard) {
  if (soft == 0) return;
  rlimit limit{static_cast<rlim_t>(soft), static_cast<rlim_t>(hard)};
  ::setrlimit(resource, &limit);
}

constexpr std::uint64_t kCpuHardLimitGraceSeconds = 5;

// Runs in the child between fork and exec: async-signal-safe calls only.
struct ChildSetup {
  ProcessLimits limits;
  pid_t parent;
  void operator()() const {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the node died while we were forking
    // Everything above stderr closes at exec; Boost's own exec-error pipe keeps working.
    ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    setLimit(RLIMIT_AS, limits.addressSpaceBytes, limits.addressSpaceBytes);
    setLimit(RLIMIT_NOFILE, limits.openFiles, limits.openFiles);
    // At the soft limit the kernel sends SIGXCPU, which names the cause; the hard limit a few
    // seconds later (SIGKILL) stops a module that ignores it.
    setLimit(RLIMIT_CPU, limits.cpuSeconds, limits.cpuSeconds + kCpuHardLimitGraceSeconds);
    // The node ignores SIGPIPE and blocks SIGINT/SIGTERM (it reads them from a signalfd); a
    // module starts with default dispositions and nothing blocked.
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
  }
};

int takeFd(int fd) {
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (copy >= 0) ::fcntl(copy, F_SETFL, ::fcntl(copy, F_GETFL) | O_NONBLOCK);
  return copy;
}

bool isExecutableFile(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

struct Child {
  pid_t pid = 0;
  int pidfd = -1;  // readable when the process exits
  int stdoutFd = -1;
  int stderrFd = -1;
};

Result<Child> startChild(const SpawnRequest& request) {
  bp::pipe in, out, err;
  bp::environment env = boost::this_process::environment();
  for (const auto& [key, value] : request.extraEnv)
    env[key] = value;
  Child spawned;
  try {
    bp::child child(
        bp::exe = request.executable, bp::args = request.args, env, bp::std_in<in, bp::std_out> out,
        bp::std_err > err,
        bp::extend::on_exec_setup = [setup = ChildSetup{request.limits, ::getpid()}](auto&) {
          setup();
        });
    spawned.pid = child.id();
    child.detach();  // reaped through the pidfd
  } catch (const bp::process_error& e) {
    return makeError(v1::ERROR_CODE_INTERNAL,
                     "cannot start '" + request.executable + "': " + e.code().message());
  }
  spawned.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, spawned.pid, 0));
  if (spawned.pidfd < 0) {
    int error = errno;
    ::kill(-spawned.pid, SIGKILL);
    return makeError(v1::ERROR_CODE_INTERNAL,
                     std::string("pidfd_open failed: ") + std::strerror(error));
  }
  spawned.stdoutFd = takeFd(out.native_source());
  spawned.stderrFd = takeFd(err.native_source());
  // The token line fits in the pipe buffer, so this write never blocks.
  const std::string& data = request.stdinData;
  std::size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(in.native_sink(), data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the child already closed stdin; it will fail its handshake
    written += static_cast<std::size_t>(n);
  }
  return spawned;  // `in`, `out`, `err` close our ends of the pipes here
}

constexpr std::chrono::seconds kReapInterval{1};

// Learns of each exit at once through the child's pidfd on the event loop. The node is the child
// subreaper of what its modules start (OrphanReaper): when a module exits, what it left behind
// dies with it; when the spawner goes (the node ends), every orphan does.
class PidfdProcessSpawner final : public ProcessSpawner {
 public:
  explicit PidfdProcessSpawner(EventLoop& loop)
      : m_loop(loop), m_orphans([this](pid_t pid) { return m_watched.contains(pid); }) {
    scheduleReap();
  }
  ~PidfdProcessSpawner() override {
    m_loop.cancel(m_reapTimer);
    for (auto& [pid, watched] : m_watched) {
      m_loop.removeFd(watched.pidfd);
      ::close(watched.pidfd);
    }
    m_watched.clear();
    m_orphans.killAll();
  }
  PidfdProcessSpawner(const PidfdProcessSpawner&) = delete;
  PidfdProcessSpawner& operator=(const PidfdProcessSpawner&) = delete;

  Result<SpawnedProcess> spawn(const SpawnRequest& request, OnExit onExit) override {
    PLEXUS_ASSERT_THREAD(m_thread);
    auto child = startChild(request);
    if (!child) return child.error();
    const pid_t pid = child->pid;
    auto id = request.extraEnv.find(ipc::kEnvModuleId);
    m_watched.emplace(pid, Watched{child->pidfd, std::move(onExit),
                                   id != request.extraEnv.end() ? id->second : std::string()});
    m_loop.addFd(child->pidfd, [this, pid] { onPidfdReadable(pid); });
    return SpawnedProcess{pid, child->stdoutFd, child->stderrFd};
  }

  void signalGroup(pid_t pid, int signal) override {
    PLEXUS_ASSERT_THREAD(m_thread);
    auto it = m_watched.find(pid);
    if (it == m_watched.end()) return;  // never signal a pid that may have been reused
    // The pidfd reaches the leader even if its group is not set up yet; the group reaches
    // everything the module started.
    ::syscall(SYS_pidfd_send_signal, it->second.pidfd, signal, nullptr, 0);
    ::kill(-pid, signal);
  }

  void abandon(pid_t pid) override {
    PLEXUS_ASSERT_THREAD(m_thread);
    auto it = m_watched.find(pid);
    if (it == m_watched.end()) return;
    ::kill(-pid, SIGKILL);
    forget(it);
  }

  bool isStopped(pid_t pid) override {
    PLEXUS_ASSERT_THREAD(m_thread);
    if (m_watched.count(pid) == 0) return false;
    const char state = processState(pid);
    return state == 'T' || state == 't';
  }

 private:
  struct Watched {
    int pidfd = -1;
    OnExit onExit;
    std::string moduleId;  // its PLEXUS_MODULE_ID, which its descendants inherit
  };

  // Dead orphans are the node's zombies until reaped.
  void scheduleReap() {
    m_reapTimer = m_loop.runAfter(kReapInterval, [this] {
      m_orphans.reap();
      scheduleReap();
    });
  }
  using Watches = std::unordered_map<pid_t, Watched>;

  void onPidfdReadable(pid_t pid) {
    auto it = m_watched.find(pid);
    if (it == m_watched.end()) return;
    siginfo_t info{};
    if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(it->second.pidfd), &info,
                 WEXITED | WNOHANG) != 0 ||
        info.si_pid == 0) {
      return;  // not exited after all
    }
    ProcessExit exit;
    exit.code = info.si_code == CLD_EXITED ? info.si_status : -1;
    exit.signal = info.si_code == CLD_EXITED ? 0 : info.si_status;
    ::kill(-pid, SIGKILL);  // nothing of its process group outlives it
    OnExit onExit = std::move(it->second.onExit);
    const std::string moduleId = std::move(it->second.moduleId);
    forget(it);
    // Nor anything it started that left its group (setsid) and now is an orphan of ours.
    if (!moduleId.empty()) m_orphans.moduleExited(moduleId);
    onExit(exit);
  }

  void forget(Watches::iterator it) {
    m_loop.removeFd(it->second.pidfd);
    ::close(it->second.pidfd);
    m_watched.erase(it);
  }

  EventLoop& m_loop;
  Watches m_watched;
  OrphanReaper m_orphans;
  EventLoop::TimerId m_reapTimer = 0;
  ThreadChecker m_thread;
};

}  // namespace

std::unique_ptr<ProcessSpawner> makeProcessSpawner(EventLoop& loop) {
  return std::make_unique<PidfdProcessSpawner>(loop);
}

std::filesystem::path selfDirectory() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::current_path() : self.parent_path();
}

Result<std::string> resolveExecutable(const std::string& exec,
                                      const std::filesystem::path& nodeDir) {
  if (exec.empty()) return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "exec is empty");
  std::filesystem::path path(exec);
  if (path.is_absolute()) {
    if (isExecutableFile(path)) return path.string();
    return makeError(v1::ERROR_CODE_NOT_FOUND, "'" + exec + "' is not an executable file");
  }
  auto beside = nodeDir / path;
  if (isExecutableFile(beside)) return beside.string();
  std::string searched = nodeDir.string();
  if (exec.find('/') == std::string::npos) {
    const char* envPath = std::getenv("PATH");
    std::stringstream dirs(envPath ? envPath : "");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (dir.empty()) continue;
      auto candidate = std::filesystem::path(dir) / exec;
      if (isExecutableFile(candidate)) return candidate.string();
    }
    searched += " and PATH";
  }
  return makeError(v1::ERROR_CODE_NOT_FOUND,
                   "executable '" + exec + "' not found (searched " + searched + ")");
}

}  // namespace plexus::host
