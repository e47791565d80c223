#pragma once

// `plexusctl keygen NAME [--dir DIR]`: writes a CURVE key pair (plexus/ipc/curve_keys.h) and
// prints the public key. Needs no node. Thread rule: runs on the caller's thread.

#include <ostream>

#include "plexus/ctl/command.h"

namespace plexus::ctl {

ExitCode runKeygen(const KeygenRequest& request, std::ostream& out, std::ostream& err);

}  // namespace plexus::ctl
