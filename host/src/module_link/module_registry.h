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
  std::uint64_t incarnation = 0;
  std::uint32_t heartbeatIntervalMs = 0;
  std::map<std::string, std::string> settings;
};

class ModuleRegistry {
 public:
  virtual ~ModuleRegistry() = default;
  // Attaches the incarnation to the EventManager on success.
  virtual Result<HandshakeGrant> onHandshake(const std::string& moduleId,
                                             const v1::Handshake& handshake) = 0;
  virtual void onHandshakeRefused(const std::string& moduleId, const std::string& reason) = 0;
  virtual void onReady(const std::string& moduleId) = 0;
  virtual void onTraffic(const std::string& moduleId) = 0;
  virtual void onGoodbye(const std::string& moduleId, const std::string& reason) = 0;
  virtual void onUnreachable(const std::string& moduleId) = 0;
  virtual bool isHandshaken(const std::string& moduleId) const = 0;
  // A process of this module is alive (from spawn to the exit the node has seen).
  virtual bool isRunning(const std::string& moduleId) const = 0;
  // The module's configuration (capabilities); nullptr when unknown.
  virtual const v1::ModuleConfig* moduleConfig(const std::string& moduleId) const = 0;
};

}  // namespace plexus::host
