#pragma once

// Signalling a module: SIGTERM/SIGKILL to its process and its whole process group, logged with
// the node's reason.
// Thread rule: loop thread only.

#include <string>

#include "supervision/module_record.h"
#include "supervision/process_spawner.h"

namespace plexus::host {

// Nothing happens once the module's exit was seen (record.pid == 0).
void signalModule(ProcessSpawner& spawner, const ModuleRecord& record, int signal,
                  const std::string& why);

}  // namespace plexus::host
