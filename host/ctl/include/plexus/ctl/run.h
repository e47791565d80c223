#pragma once

// Runs one parsed invocation against a node: sends the request, waits for the answer, prints
// it (human or --json) and maps the outcome to the documented exit code.

#include <atomic>
#include <ostream>

#include "plexus/ctl/command.h"
#include "plexus/ctl/connection.h"

namespace plexus::ctl {

// `stop` is looked at by tail and while a publish reports progress.
ExitCode run(const Invocation& invocation, ControlConnection& connection,
             const std::atomic<bool>& stop, std::ostream& out, std::ostream& err);

}  // namespace plexus::ctl
