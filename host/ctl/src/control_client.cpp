#include "plexus/ctl/control_client.h"

#include <sys/stat.h>

#include "plexus/ipc/endpoints.h"
#include "plexus/ipc/protocol.h"

namespace plexus::ctl {

ControlClient::ControlClient(const std::filesystem::path& runtimeDir)
    : m_socketPath(ipc::controlSocketPath(runtimeDir)) {}

Status ControlClient::connect() {
  if (m_socket) return {};
  struct stat info {};
  if (::stat(m_socketPath.c_str(), &info) != 0 || !S_ISSOCK(info.st_mode)) {
    return makeError(
        v1::ERROR_CODE_UNAVAILABLE,
        "plexus-node is not running (no control socket at " + m_socketPath.string() + ")");
  }
  m_socket.emplace(m_context, zmq::socket_type::dealer);
  // Closing waits up to 200 ms for queued fire-and-forget requests (tail acks) to leave.
  m_socket->set(zmq::sockopt::linger, 200);
  m_socket->connect(ipc::ipcEndpoint(m_socketPath));
  return {};
}

Status ControlClient::send(v1::ControlRequest request) {
  if (auto status = connect(); !status) return status;
  request.set_protocol_major(ipc::kProtocolMajor);
  request.set_protocol_minor(ipc::kProtocolMinor);
  if (request.correlation_id() == 0) request.set_correlation_id(m_nextCorrelation++);
  std::string bytes = request.SerializeAsString();
  if (!m_socket->send(zmq::buffer(bytes), zmq::send_flags::dontwait)) {
    return makeError(v1::ERROR_CODE_UNAVAILABLE, "cannot send to " + m_socketPath.string());
  }
  return {};
}

std::optional<v1::ControlResponse> ControlClient::receive(std::chrono::milliseconds timeout) {
  if (!m_socket) return std::nullopt;
  zmq::pollitem_t item{m_socket->handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
  zmq::message_t frame;
  if (!m_socket->recv(frame, zmq::recv_flags::dontwait)) return std::nullopt;
  v1::ControlResponse response;
  if (!response.ParseFromArray(frame.data(), static_cast<int>(frame.size()))) {
    m_unparsable = frame.size();  // reported by call(): an answer came, just not a usable one
    return std::nullopt;
  }
  return response;
}

Result<v1::ControlResponse> ControlClient::call(v1::ControlRequest request,
                                                std::chrono::milliseconds timeout) {
  const std::uint64_t correlationId = m_nextCorrelation++;
  request.set_correlation_id(correlationId);
  if (auto status = send(std::move(request)); !status) return status.error();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  m_unparsable.reset();
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto response = receive(left);
    if (!response) {
      if (m_unparsable) {
        return makeError(v1::ERROR_CODE_MALFORMED,
                         "plexus-node answered with a reply that cannot be parsed (" +
                             std::to_string(*m_unparsable) +
                             " bytes: not a ControlResponse, or a string in it is not UTF-8)");
      }
      continue;
    }
    if (response->correlation_id() == correlationId ||
        (response->has_error() && response->correlation_id() == 0)) {
      return *response;
    }
  }
  return makeError(v1::ERROR_CODE_TIMEOUT, "plexus-node did not answer within " +
                                               std::to_string(timeout.count()) + " ms (" +
                                               m_socketPath.string() + ")");
}

}  // namespace plexus::ctl
