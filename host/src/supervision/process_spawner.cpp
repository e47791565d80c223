#include "supervision/process_spawner.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
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

class BoostProcessSpawner final : public ProcessSpawner {
 public:
  Result<SpawnedProcess> spawn(const SpawnRequest& request) override {
    bp::pipe in, out, err;
    bp::environment env = boost::this_process::environment();
    for (const auto& [key, value] : request.extraEnv)
      env[key] = value;
    SpawnedProcess spawned;
    try {
      bp::child child(
          bp::exe = request.executable, bp::args = request.args, env,
          bp::std_in<in, bp::std_out> out, bp::std_err > err,
          bp::extend::on_exec_setup = [setup = ChildSetup{request.limits, ::getpid()}](auto&) {
            setup();
          });
      spawned.pid = child.id();
      child.detach();  // the supervisor reaps it through the pidfd
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
};

}  // namespace

std::unique_ptr<ProcessSpawner> makeProcessSpawner() {
  return std::make_unique<BoostProcessSpawner>();
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
