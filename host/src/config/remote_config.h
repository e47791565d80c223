#pragma once

// Remote modules' configuration (docs/design.md "Remote modules"): NodeConfig.remote (the CURVE
// endpoint remote modules will connect to) and ModuleConfig.kind / public_key.
// Thread rule: pure functions (checkRemoteSecretKey reads the key file it names).

#include <plexus/v1/config.pb.h>

#include <string>
#include <string_view>

#include "plexus/ipc/result.h"

namespace plexus::host {

inline bool isRemoteModule(const v1::ModuleConfig& module) {
  return module.kind() == v1::MODULE_KIND_REMOTE;
}

// tcp://HOST:PORT with an explicit port 1-65535; HOST a name, an IPv4 address, [IPv6] or `*`.
Status checkRemoteListen(std::string_view listen);

// One module's kind and the fields that go with it: a remote module needs a valid public_key
// and refuses exec, args, limits, restart and disabled; a local module refuses public_key.
// `where` prefixes the messages ("module 'x': ").
Status checkModuleKind(const v1::ModuleConfig& module, const std::string& where);

// NodeConfig.remote and the remote modules together: a remote block has a tcp listen address
// and an absolute secret_key_file; remote modules need that block; a public key names one
// module only.
Status checkRemote(const v1::NodeConfig& config);

// At start (and --check-config): with a remote block, libzmq has CURVE and the secret key file
// is readable, private (no group/other bits) and holds a valid key. Ok without a remote block.
Status checkRemoteSecretKey(const v1::NodeConfig& config);

}  // namespace plexus::host
