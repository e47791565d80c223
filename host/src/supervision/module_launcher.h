#pragma once

// ModuleLauncher: starts one incarnation of a module (the spawn contract in docs/design.md
// "Processes"): resolves its executable, spawns it with a fresh token on stdin, PLEXUS_MODULE_ID
// and PLEXUS_ENDPOINT in its environment and its resource limits, hands its stdout/stderr to the
// OutputPump, and kills it when it has not completed its handshake within the handshake timeout (of
// the node's run time, and not during the grace after a pause of the node). Thread rule: loop
// thread only.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "plexus/ipc/result.h"
#include "plexus/ipc/thread_checker.h"
#include "plexus/ipc/zap_authenticator.h"
#include "runtime/timers.h"
#include "supervision/module_record.h"
#include "supervision/output_pump.h"
#include "supervision/process_spawner.h"

namespace plexus::host {

class ModuleLauncher {
 public:
  // Told, once, when an incarnation it launched exited.
  using OnExit =
      std::function<void(const std::string& moduleId, std::uint64_t incarnation, ProcessExit)>;

  struct Dependencies {
    Timers& timers;
    ProcessSpawner& spawner;
    ipc::ModuleCredentials& credentials;
    OutputPump& output;
    OnExit onExit;
  };

  // `endpoint`: the module socket's endpoint; relative execs resolve against `nodeDir`.
  ModuleLauncher(Dependencies deps, std::string endpoint, std::filesystem::path nodeDir,
                 std::chrono::milliseconds handshakeTimeout);

  // Success: the record is starting, with the next incarnation and its process. Failure: the
  // record is failed, with the reason in lastExit (and in the error).
  Status launch(ModuleRecord& record);

 private:
  void handshakeTimedOut(ModuleRecord& record);
  Dependencies m_deps;
  std::string m_endpoint;
  std::filesystem::path m_nodeDir;
  std::chrono::milliseconds m_handshakeTimeout;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
