#pragma once

// The node's remote-module endpoint (docs/design.md "Remote modules"): which configured modules
// are remote, their keys for ZAP, and the CURVE ROUTER on remote.listen.
// Thread rule: pure functions; openRemoteSocket runs on the loop thread (the socket's owner).

#include <plexus/v1/config.pb.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <zmq.hpp>

#include "module_link/module_socket.h"
#include "module_link/refusal_log.h"
#include "runtime/event_loop.h"

namespace plexus::host {

// The remote modules' ids.
std::unordered_set<std::string> remoteIdsOf(const v1::NodeConfig& config);
// Their Z85 public keys -> ids (ZapAuthenticator::setRemoteKeys).
std::unordered_map<std::string, std::string> remoteKeysOf(const v1::NodeConfig& config);

// The remote modules' CURVE ROUTER when remote.listen is set, bound now (throws
// std::runtime_error naming remote.listen or remote.secret_key_file when it cannot: the node
// does not start); nullptr without remote.listen.
std::unique_ptr<ModuleSocket> openRemoteSocket(zmq::context_t& context, EventLoop& loop,
                                               RefusalLog& refusals, const v1::NodeConfig& config,
                                               ipc::BodyLayout layout);

}  // namespace plexus::host
