#pragma once

// Socket options for both ends, in one place so the host, the SDK and the tests agree.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <zmq.hpp>

namespace plexus::ipc {

// Debian's libzmq 4.3.4 supports ZMQ_ZAP_ENFORCE_DOMAIN but only declares it in the DRAFT API.
inline constexpr int kZmqZapEnforceDomain = 93;

// Host side, module ROUTER: PLAIN server, ZAP domain enforced, ROUTER_MANDATORY (never a silent
// drop), bounded message size, LINGER 0.
void configureModuleRouter(zmq::socket_t& router, std::uint64_t maxMessageBytes);
// Host side, control ROUTER: NULL mechanism with the control ZAP domain enforced.
void configureControlRouter(zmq::socket_t& router);
// Module side, DEALER: routing id = module id, PLAIN client, ZMQ_IMMEDIATE.
void configureModuleDealer(zmq::socket_t& dealer, const std::string& moduleId,
                           const std::string& token);

// Binds `router` at `endpoint` after removing a stale socket file, then makes it 0600.
void bindPrivate(zmq::socket_t& router, const std::string& socketPath);
// The same, then the socket file belongs to group `gid` and is 0660 (its members may connect).
void bindForGroup(zmq::socket_t& router, const std::string& socketPath, gid_t gid);

}  // namespace plexus::ipc
