#pragma once

// ProcessSpawner: starts module processes (the spawn contract in docs/design.md "Processes"),
// signals them and tells their owner when they exit. The real one spawns with Boost.Process and
// watches each child's pidfd on the event loop; unit tests of the supervisor fake it. Every child:
// its own process group, no inherited fd above 2 (so no module can read another's token or hold
// another's pipe open), SIGKILL if the node dies (PR_SET_PDEATHSIG), resource limits applied before
// exec, stdin = the token line then EOF, stdout/stderr = pipes. The real one makes the node the
// child subreaper of everything its modules start: what a module left behind outside its process
// group (a setsid() daemon) dies when the module exits, and every such process when the spawner is
// destroyed (process_tree.h). Thread rule: loop thread only (PDEATHSIG follows the spawning
// thread).

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "plexus/ipc/result.h"

namespace plexus::host {

class EventLoop;

struct ProcessLimits {
  std::uint64_t addressSpaceBytes = 0;  // RLIMIT_AS, 0 = unchanged
  std::uint64_t openFiles = 0;          // RLIMIT_NOFILE, 0 = unchanged
  std::uint64_t cpuSeconds = 0;         // RLIMIT_CPU, 0 = unchanged
};

struct SpawnRequest {
  std::string executable;  // resolved path
  std::vector<std::string> args;
  std::map<std::string, std::string> extraEnv;  // added to the node's environment
  std::string stdinData;                        // written to the child's stdin, then closed
  ProcessLimits limits;
};

struct SpawnedProcess {
  pid_t pid = 0;
  int stdoutFd = -1;  // read ends, non-blocking, close-on-exec; owned by the caller
  int stderrFd = -1;
};

// How a process ended.
struct ProcessExit {
  int code = -1;   // its exit status when it exited by itself; -1 when a signal ended it
  int signal = 0;  // the signal that ended it; 0 when it exited by itself
};

class ProcessSpawner {
 public:
  using OnExit = std::function<void(ProcessExit)>;
  virtual ~ProcessSpawner() = default;

  // Starts a process and watches it: once it exits, the spawner reaps it, kills whatever is
  // left of its process group, and calls `onExit` (once, on the loop thread, never from within
  // spawn()).
  virtual Result<SpawnedProcess> spawn(const SpawnRequest& request, OnExit onExit) = 0;
  // Sends `signal` to a watched process and its process group (the process itself is reached
  // even before its group is set up).
  virtual void signalGroup(pid_t pid, int signal) = 0;
  // For an owner that goes away before its processes: SIGKILL to the process group of a
  // watched process, which is no longer watched (its `onExit` never runs).
  virtual void abandon(pid_t pid) = 0;
  // True while a watched process is stopped (SIGSTOP, a debugger): it cannot send anything.
  virtual bool isStopped(pid_t pid) = 0;
};

// Watches exits through pidfds on `loop`, which must outlive the spawner.
std::unique_ptr<ProcessSpawner> makeProcessSpawner(EventLoop& loop);

// `exec` as configured: absolute paths as they are; a relative path against `nodeDir` (the
// directory of plexus-node); a bare name then also on PATH. Fails with a clear message.
Result<std::string> resolveExecutable(const std::string& exec,
                                      const std::filesystem::path& nodeDir);

// The directory of the running executable.
std::filesystem::path selfDirectory();

}  // namespace plexus::host
