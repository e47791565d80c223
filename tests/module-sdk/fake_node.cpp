#include "fake_node.h"

#include <unistd.h>

#include <iterator>
#include <zmq_addon.hpp>

#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/protocol.h"
#include "plexus/ipc/sockets.h"

namespace plexus::sdk::test {

FakeNode::FakeNode(std::string moduleId)
    : m_moduleId(std::move(moduleId)),
      m_endpoint("ipc://" + (m_dir / "modules.sock").string()),
      m_credentials(::getuid()),
      m_zap(m_context, m_credentials, ::getuid()),
      m_router(m_context, zmq::socket_type::router) {
  ipc::configureModuleRouter(m_router, ipc::kDefaultMaxMessageBytes);
  m_router.bind(m_endpoint);
  m_token = m_credentials.issue(m_moduleId);
  m_credentials.bindPid(m_moduleId, ::getpid());  // the module runs in this test process
}

FakeNode::~FakeNode() = default;

ConnectOptions FakeNode::options() const {
  ConnectOptions options;
  options.moduleId = m_moduleId;
  options.endpoint = m_endpoint;
  options.token = m_token;
  options.timeout = std::chrono::milliseconds(10000);
  return options;
}

std::optional<v1::Envelope> FakeNode::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    m_zap.serveReady();
    std::vector<zmq::message_t> frames;
    if (zmq::recv_multipart(m_router, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
      v1::Envelope envelope;
      if (frames.size() >= 2 && ipc::decodeEnvelope(frames[1], envelope)) return envelope;
      continue;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    zmq::pollitem_t items[] = {{m_router.handle(), 0, ZMQ_POLLIN, 0},
                               {m_zap.socket().handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, left);
  }
}

bool FakeNode::acceptHandshake(const v1::HandshakeAck& ack, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    auto hello = next(left);
    if (!hello) return false;
    if (!hello->has_handshake()) continue;
    v1::Envelope reply;
    ipc::stampVersion(reply);
    *reply.mutable_handshake_ack() = ack;
    send(reply);
    return true;
  }
}

std::optional<v1::Envelope> FakeNode::receive(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto envelope = next(std::max(left, std::chrono::milliseconds(0)));
    if (!envelope || !envelope->has_heartbeat()) return envelope;
  }
}

std::optional<v1::Subscribe> FakeNode::acceptSubscribe(std::chrono::milliseconds timeout) {
  auto subscribe = receive(timeout);
  if (!subscribe || !subscribe->has_subscribe()) return std::nullopt;
  v1::Envelope subscribed;
  ipc::stampVersion(subscribed);
  subscribed.mutable_subscribe_ack();
  send(subscribed);
  return subscribe->subscribe();
}

std::optional<std::string> FakeNode::receiveUntilGoodbye(
    std::chrono::milliseconds timeout, const std::function<void(const v1::Envelope&)>& each) {
  while (auto in = receive(timeout)) {
    if (in->has_goodbye()) return in->goodbye().reason();
    if (each) each(*in);
  }
  return std::nullopt;
}

void FakeNode::sendFrames(std::vector<zmq::message_t>& frames) {
  frames.insert(frames.begin(), zmq::message_t(m_moduleId.data(), m_moduleId.size()));
  zmq::send_multipart(m_router, frames);
}

void FakeNode::send(const v1::Envelope& envelope) {
  std::vector<zmq::message_t> frames;
  frames.push_back(ipc::encodeEnvelope(envelope));
  sendFrames(frames);
}

void FakeNode::sendBatch(v1::Lane lane, const std::vector<FakeEvent>& events) {
  std::vector<ipc::OutgoingEvent> outgoing;
  for (const FakeEvent& event : events) {
    m_bodies.push_back(ipc::SharedBytes::copyOf(event.event.SerializeAsString()));
    outgoing.push_back(
        {event.seq, event.droppedBefore, &m_bodies.back(), event.offset, event.flags});
  }
  std::vector<zmq::message_t> frames;
  m_encoder.encode(lane, outgoing, frames);
  sendFrames(frames);
}

}  // namespace plexus::sdk::test
