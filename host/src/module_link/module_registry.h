#pragma once

// ModuleRegistry: what the module protocol handler needs from the supervisor. The Supervisor
// implements it; unit tests and fuzzers of the handler fake it. Thread rule: loop thread.

#include <plexus/v1/config.pb.h>
#include <plexus/v1/wire.pb.h>

#include <cstdint>
#include <map>
#include <string>

#include "plexus/ipc/result.h"

namespace plexus::host {

struct HandshakeGrant {
  std::uint32_t capacity = 0;
  std::uint32_t criticalCapacity = 0;  // told only to modules at 1.3 or later
  std::uint64_t incarnation = 0;
  std::uint32_t heartbeatIntervalMs = 0;
  std::map<std::string, std::string> settings;
};

class ModuleRegistry {
 public:
  virtual ~ModuleRegistry() = default;
  // Attaches the incarnation to the EventManager on success. `negotiatedMinor`: the protocol
  // minor the connection speaks (what the incarnation can be sent, e.g. a critical lane).
  virtual Result<HandshakeGrant> onHandshake(const std::string& moduleId,
                                             const v1::Handshake& handshake,
                                             std::uint32_t negotiatedMinor) = 0;
  virtual void onHandshakeRefused(const std::string& moduleId, const std::string& reason) = 0;
  virtual void onReady(const std::string& moduleId) = 0;
  virtual void onTraffic(const std::string& moduleId) = 0;
  virtual void onGoodbye(const std::string& moduleId, const std::string& reason) = 0;
  virtual void onUnreachable(const std::string& moduleId) = 0;
  virtual bool isHandshaken(const std::string& moduleId) const = 0;
  // A process of this module is alive (from spawn to the exit the node has seen).
  virtual bool isRunning(const std::string& moduleId) const = 0;
  // `pid` is the module's current process. A message that a previous incarnation sent before it
  // exited can be read after the next one was spawned (same routing id): it must not be taken as
  // the new one's. Fakes that do not model processes keep the default.
  virtual bool isCurrentProcess(const std::string& moduleId, int pid) const {
    (void)moduleId;
    (void)pid;
    return true;
  }
  // A remote module's handshake arrives on a new connection from `address` (remote_peers.h).
  virtual void onRemotePeer(const std::string& moduleId, const std::string& address) {
    (void)moduleId;
    (void)address;
  }
  // The module's configuration (capabilities); nullptr when unknown.
  virtual const v1::ModuleConfig* moduleConfig(const std::string& moduleId) const = 0;
};

}  // namespace plexus::host
