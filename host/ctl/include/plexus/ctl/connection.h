#pragma once

// The three operations plexusctl needs from a node, behind an interface so the command runner
// and the tail loop are tested against a scripted fake. ClientConnection is the real one, over
// ControlClient; it turns ZeroMQ exceptions into values (an interrupted wait is no answer).

#include <plexus/v1/control.pb.h>

#include <chrono>
#include <optional>

#include "plexus/ctl/control_client.h"
#include "plexus/ipc/result.h"

namespace plexus::ctl {

class ControlConnection {
 public:
  virtual ~ControlConnection() = default;
  // A request and its answer; an error only when the node is not reachable or silent.
  virtual Result<v1::ControlResponse> call(v1::ControlRequest request,
                                           std::chrono::milliseconds timeout) = 0;
  // Fire and forget (tail acknowledgements, tail stop).
  virtual Status send(v1::ControlRequest request) = 0;
  // The next message of any correlation id; nullopt after `timeout` or when interrupted.
  virtual std::optional<v1::ControlResponse> receive(std::chrono::milliseconds timeout) = 0;
};

class ClientConnection final : public ControlConnection {
 public:
  explicit ClientConnection(ControlClient& client) : m_client(client) {}

  Result<v1::ControlResponse> call(v1::ControlRequest request,
                                   std::chrono::milliseconds timeout) override;
  Status send(v1::ControlRequest request) override;
  std::optional<v1::ControlResponse> receive(std::chrono::milliseconds timeout) override;

 private:
  Error unreachable(const char* what) const;

  ControlClient& m_client;
};

}  // namespace plexus::ctl
