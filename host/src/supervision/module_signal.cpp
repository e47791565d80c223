#include "supervision/module_signal.h"

#include <string.h>

#include "runtime/logging.h"

namespace plexus::host {

void signalModule(ProcessSpawner& spawner, const ModuleRecord& record, int signal,
                  const std::string& why) {
  if (record.pid <= 0) return;
  logger("supervisor")
      ->warn("module '{}' (pid {}): sending {}: {}", record.id(), record.pid,
             ::sigabbrev_np(signal) ? ::sigabbrev_np(signal) : "?", why);
  spawner.signalGroup(record.pid, signal);
}

}  // namespace plexus::host
