#include "fake_node.h"

#include <unistd.h>

#include <cerrno>
#include <iterator>
#include <thread>
#include <zmq_addon.hpp>

#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/protocol.h"
#include "plexus/ipc/sockets.h"

namespace plexus::sdk::test {

KeyPair KeyPair::generate() {
  char publicKey[41] = {};
  char secretKey[41] = {};
  if (zmq_curve_keypair(publicKey, secretKey) != 0) throw zmq::error_t();
  return {publicKey, secretKey};
}

FakeNode::FakeNode(std::string moduleId)
    : m_moduleId(std::move(moduleId)),
      m_endpoint("ipc://" + (m_dir / "modules.sock").string()),
      m_credentials(::getuid()),
      m_router(m_context, zmq::socket_type::router) {
  m_zap.emplace(m_context, m_credentials, ::getuid());
  ipc::configureModuleRouter(m_router, ipc::kDefaultMaxMessageBytes);
  m_router.bind(m_endpoint);
  m_token = m_credentials.issue(m_moduleId);
  m_credentials.bindPid(m_moduleId, ::getpid());  // the module runs in this test process
}

FakeNode::FakeNode(std::string moduleId, Curve curve)
    : m_moduleId(std::move(moduleId)),
      m_endpoint("tcp://127.0.0.1:0"),
      m_credentials(::getuid()),
      m_curve(std::move(curve)),
      m_curveZap(m_context, zmq::socket_type::rep) {
  m_curveZap.bind("inproc://zeromq.zap.01");
  bindCurveRouter();
  m_endpoint = m_router.get(zmq::sockopt::last_endpoint);  // the port the kernel chose
}

void FakeNode::bindCurveRouter() {
  m_router = zmq::socket_t(m_context, zmq::socket_type::router);
  m_router.set(zmq::sockopt::curve_server, 1);
  m_router.set(zmq::sockopt::curve_secretkey, m_curve->server.secretKey);
  m_router.set(zmq::sockopt::zap_domain, "plexus-remote");
  m_router.set(zmq::sockopt::router_mandatory, 1);
  // A module that reconnects while its old connection still looks alive here (a frozen relay)
  // takes its routing id over: the fake does not judge liveness as the node does.
  m_router.set(zmq::sockopt::router_handover, 1);
  m_router.set(zmq::sockopt::linger, 0);
  // libzmq closes the previous ROUTER's listener on its I/O thread, after close() returned: the
  // port may still be taken for a moment.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    try {
      m_router.bind(m_endpoint);
      return;
    } catch (const zmq::error_t& e) {
      if (e.num() != EADDRINUSE || std::chrono::steady_clock::now() >= deadline) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polls the port's release
  }
}

void FakeNode::dropConnection(bool rebind) {
  m_router.close();
  if (rebind) bindCurveRouter();
}

void FakeNode::serveZapFor(std::chrono::milliseconds duration) {
  zmq::pollitem_t item{m_curveZap.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, duration);
  serveCurveZap();
}

// ZAP (RFC 27): version, request id, domain, address, identity, mechanism, then the client's
// 32-byte public key; the answer: version, request id, status, status text, user id, metadata.
void FakeNode::serveCurveZap() {
  std::vector<zmq::message_t> request;
  while (zmq::recv_multipart(m_curveZap, std::back_inserter(request), zmq::recv_flags::dontwait)) {
    ++m_zapRequests;
    bool admitted = false;
    if (request.size() >= 7 && request[6].size() == 32) {
      char z85[41] = {};
      zmq_z85_encode(z85, static_cast<const std::uint8_t*>(request[6].data()), 32);
      admitted = m_curve->clientKey == z85;
    }
    std::vector<zmq::message_t> reply;
    reply.emplace_back(std::string("1.0"));
    reply.emplace_back(request.size() > 1 ? request[1].to_string() : std::string());
    reply.emplace_back(std::string(admitted ? "200" : "400"));
    reply.emplace_back(std::string(admitted ? "OK" : "unknown key"));
    reply.emplace_back(admitted ? m_moduleId : std::string());
    reply.emplace_back();
    zmq::send_multipart(m_curveZap, reply);
    request.clear();
  }
}

FakeNode::~FakeNode() = default;

ConnectOptions FakeNode::options() const {
  ConnectOptions options;
  options.moduleId = m_moduleId;
  options.endpoint = m_endpoint;
  options.token = m_token;
  if (m_curve) options.serverKey = m_curve->server.publicKey;
  options.timeout = std::chrono::milliseconds(10000);
  return options;
}

bool FakeNode::refuseHandshake(v1::ErrorCode code, std::chrono::milliseconds timeout) {
  if (!nextHandshake(timeout)) return false;
  v1::Envelope reply;
  ipc::stampVersion(reply);
  reply.mutable_error()->set_code(code);
  reply.mutable_error()->set_message("refused by the fake node");
  send(reply);
  return true;
}

bool FakeNode::nextHandshake(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    auto hello = next(left);
    if (!hello) return false;
    if (hello->has_handshake()) return true;
  }
}

std::optional<v1::Envelope> FakeNode::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (m_zap) m_zap->serveReady();
    if (m_curve) serveCurveZap();
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
                               {zapSocket().handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, left);
  }
}

bool FakeNode::acceptHandshake(const v1::HandshakeAck& ack, std::chrono::milliseconds timeout) {
  if (!nextHandshake(timeout)) return false;
  v1::Envelope reply;
  ipc::stampVersion(reply);
  *reply.mutable_handshake_ack() = ack;
  send(reply);
  return true;
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

void FakeNode::sendGoodbye(const std::string& reason) {
  v1::Envelope goodbye;
  ipc::stampVersion(goodbye);
  goodbye.mutable_goodbye()->set_reason(reason);
  send(goodbye);
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
