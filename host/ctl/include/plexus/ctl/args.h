#pragma once

// plexusctl's command line -> what to do. Pure: no I/O, no environment, so every rule is unit
// tested. Global options may appear before or after the command; "--opt=value" and
// "--opt value" are the same; "--" ends the options. A usage error is an Error whose message
// is ready to print after "plexusctl: " (it ends with a pointer to the right --help).

#include <span>
#include <string>

#include "plexus/ctl/command.h"
#include "plexus/ipc/result.h"

namespace plexus::ctl {

// `args` excludes the program name.
Result<ParsedArgs> parseArgs(std::span<const std::string> args);

}  // namespace plexus::ctl
