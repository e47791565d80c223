#pragma once

// ProcessSpawner: starts module processes (the spawn contract of DESIGN.md). The real one uses
// Boost.Process; tests of the supervisor can fake it.
// Every child: its own process group, no inherited fd above 2 (so no module can read another's
// token or hold another's pipe open), SIGKILL if the node dies (PR_SET_PDEATHSIG), resource
// limits applied before exec, stdin = the token line then EOF, stdout/stderr = pipes.
// Thread rule: call from the node's loop thread (PDEATHSIG follows the spawning thread).

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "plexus/ipc/result.h"

namespace plexus::host {

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
  int pidfd = -1;     // readable when the process exits; owned by the caller
  int stdoutFd = -1;  // read ends, non-blocking, close-on-exec; owned by the caller
  int stderrFd = -1;
};

class ProcessSpawner {
 public:
  virtual ~ProcessSpawner() = default;
  virtual Result<SpawnedProcess> spawn(const SpawnRequest& request) = 0;
};

std::unique_ptr<ProcessSpawner> makeProcessSpawner();

// `exec` as configured: absolute paths as they are; a relative path against `nodeDir` (the
// directory of plexus-node); a bare name then also on PATH. Fails with a clear message.
Result<std::string> resolveExecutable(const std::string& exec,
                                      const std::filesystem::path& nodeDir);

// The directory of the running executable.
std::filesystem::path selfDirectory();

}  // namespace plexus::host
