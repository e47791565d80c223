#pragma once

// ControlClient: a client of a node's control socket (ipc://<runtime_dir>/control.sock), used by
// plexusctl and the integration tests. Requests and responses are matched by correlation id.
// Transport failures are errors (UNAVAILABLE: no node; TIMEOUT: no answer in time; MALFORMED: an
// answer that does not parse); an Error the node sends back is a response whose has_error() is
// true.
// Thread rule: one thread per client (it owns the socket).

#include <plexus/v1/control.pb.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <zmq.hpp>

#include "plexus/ipc/result.h"

namespace plexus::ctl {

class ControlClient {
 public:
  explicit ControlClient(const std::filesystem::path& runtimeDir);

  const std::filesystem::path& socketPath() const { return m_socketPath; }

  // Fills in the protocol version and a correlation id, sends, waits for the matching response.
  Result<v1::ControlResponse> call(v1::ControlRequest request, std::chrono::milliseconds timeout);

  // Sends without waiting (tail acknowledgements, tail stop).
  Status send(v1::ControlRequest request);
  // The next response of any correlation id (a tail stream); nullopt after `timeout`.
  std::optional<v1::ControlResponse> receive(std::chrono::milliseconds timeout);

 private:
  Status connect();

  std::filesystem::path m_socketPath;
  zmq::context_t m_context{1};
  std::optional<zmq::socket_t> m_socket;
  std::uint64_t m_nextCorrelation = 1;
  std::optional<std::size_t> m_unparsable;  // size of the last frame that did not parse
};

}  // namespace plexus::ctl
