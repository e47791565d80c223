#include "plexus/ctl/connection.h"

#include <cerrno>
#include <string>

namespace plexus::ctl {

Error ClientConnection::unreachable(const char* what) const {
  return makeError(v1::ERROR_CODE_UNAVAILABLE,
                   "cannot reach plexus-node at " + m_client.socketPath().string() + ": " + what);
}

Result<v1::ControlResponse> ClientConnection::call(v1::ControlRequest request,
                                                   std::chrono::milliseconds timeout) {
  try {
    return m_client.call(std::move(request), timeout);
  } catch (const zmq::error_t& e) {
    // Includes EINTR: outside tail SIGINT/SIGTERM keep their default action and end the
    // process; during tail the caller looks at its stop flag before at this error.
    return unreachable(e.what());
  }
}

Status ClientConnection::send(v1::ControlRequest request) {
  try {
    return m_client.send(std::move(request));
  } catch (const zmq::error_t& e) {
    return unreachable(e.what());
  }
}

std::optional<v1::ControlResponse> ClientConnection::receive(std::chrono::milliseconds timeout) {
  try {
    return m_client.receive(timeout);
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return std::nullopt;  // SIGINT/SIGTERM during tail: the caller checks
    throw;
  }
}

}  // namespace plexus::ctl
