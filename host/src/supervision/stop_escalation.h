#pragma once

// StopEscalation: how the node stops a module (docs/design.md "Processes"). It is asked first:
// Goodbye on unload and reload, NodeShutdown (sent by the node to every module) on node stop.
// Still running after the grace period: SIGTERM; still running kill_after_ms later: SIGKILL.
// A module that never connected cannot be asked and gets SIGTERM at once. From the request on,
// the EventManager gives it no new events. A module that says Goodbye on its own (leave()) is
// not asked again, but gets the same grace period and signals.
// Thread rule: loop thread only.

#include <plexus/v1/wire.pb.h>

#include <chrono>
#include <functional>
#include <string>

#include "delivery/event_manager.h"
#include "plexus/ipc/thread_checker.h"
#include "supervision/module_record.h"
#include "supervision/process_spawner.h"

namespace plexus::host {

class StopEscalation {
 public:
  struct Dependencies {
    ProcessSpawner& spawner;
    EventManager& events;
    SendEnvelope send;  // to a connected module (Goodbye)
  };

  StopEscalation(Dependencies deps, std::chrono::milliseconds grace,
                 std::chrono::milliseconds killAfter);

  // Also cancels a pending restart (a crashed module waiting for it is stopped then). Nothing
  // more happens to a module that is not running or already stopping.
  void stop(ModuleRecord& record, const std::string& reason, bool nodeShutdown);
  // The module said Goodbye on its own (`reason`, its Goodbye's): it is stopping (record.leaving),
  // and the escalation runs as for a stop. Nothing happens to a module already stopping.
  void leave(ModuleRecord& record, const std::string& reason);

 private:
  void beginStopping(ModuleRecord& record, const std::string& reason);
  void escalate(ModuleRecord& record);

  Dependencies m_deps;
  std::chrono::milliseconds m_grace;
  std::chrono::milliseconds m_killAfter;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
