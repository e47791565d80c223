#include "control/control_server.h"

#include <stdexcept>
#include <zmq_addon.hpp>

#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/protocol.h"
#include "runtime/router_send.h"

namespace plexus::host {

ControlServer::ControlServer(zmq::socket_t& router, EventLoop& loop)
    : m_router(router), m_loop(loop) {}

void ControlServer::add(ControlHandler& handler) {
  PLEXUS_ASSERT_THREAD(m_thread);
  for (auto body : handler.bodies()) {
    if (!m_handlers.emplace(body, &handler).second) {
      throw std::logic_error("control request body " + std::to_string(body) + " has two handlers");
    }
  }
}

void ControlServer::serve() {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_loop.addSocket(m_router, [this] { serveReady(); });
}

SendStatus ControlServer::send(const std::string& clientId, v1::ControlResponse response) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (response.has_error()) m_rejections.count(response.error().code());
  ipc::stampVersion(response);
  zmq::message_t frame(response.ByteSizeLong());
  response.SerializeWithCachedSizesToArray(static_cast<std::uint8_t*>(frame.data()));
  m_loop.touch(m_router);  // a send may consume the socket's ZMQ_FD edge
  return sendToPeer(m_router, clientId, std::span(&frame, 1));
}

void ControlServer::serveReady() {
  PLEXUS_ASSERT_THREAD(m_thread);
  for (;;) {
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(m_router, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
      return;
    }
    if (frames.size() != 2) {
      if (!frames.empty()) {
        replyError(frames[0].to_string(), 0,
                   makeError(v1::ERROR_CODE_MALFORMED, "expected one ControlRequest frame"));
      }
      continue;
    }
    const std::string clientId = frames[0].to_string();
    v1::ControlRequest request;
    if (!request.ParseFromArray(frames[1].data(), static_cast<int>(frames[1].size())) ||
        request.body_case() == v1::ControlRequest::BODY_NOT_SET) {
      replyError(clientId, 0, makeError(v1::ERROR_CODE_MALFORMED, "not a ControlRequest"));
      continue;
    }
    if (request.protocol_major() != ipc::kProtocolMajor) {
      replyError(
          clientId, request.correlation_id(),
          makeError(v1::ERROR_CODE_UNSUPPORTED_VERSION,
                    "control protocol " + std::to_string(request.protocol_major()) +
                        ".x is not supported: this node speaks " + ipc::protocolVersionString()));
      continue;
    }
    dispatch(clientId, request);
  }
}

void ControlServer::dispatch(const std::string& clientId, const v1::ControlRequest& request) {
  auto handler = m_handlers.find(request.body_case());
  if (handler == m_handlers.end()) {
    replyError(clientId, request.correlation_id(),
               makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "this node does not serve that request"));
    return;
  }
  handler->second->handle(clientId, request);
}

}  // namespace plexus::host
