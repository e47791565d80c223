#include "module_link/module_transport.h"

#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/thread_checker.h"
#include "plexus/ipc/zap_authenticator.h"
#include "runtime/router_send.h"

namespace plexus::host {

namespace {

class ZmqModuleTransport final : public ModuleTransport {
 public:
  ZmqModuleTransport(EventLoop& loop, zmq::socket_t& router, ipc::BodyLayout layout)
      : m_loop(loop), m_router(router), m_encoder(layout) {}

  SendStatus sendEnvelope(const std::string& moduleId, const v1::Envelope& envelope) override {
    PLEXUS_ASSERT_THREAD(m_thread);
    m_frames.clear();
    m_frames.push_back(ipc::encodeEnvelope(envelope));
    return send(moduleId);
  }

  SendStatus sendEvents(const std::string& moduleId, v1::Lane lane,
                        std::span<const ipc::OutgoingEvent> events) override {
    PLEXUS_ASSERT_THREAD(m_thread);
    m_frames.clear();
    m_encoder.encode(lane, events, m_frames);
    return send(moduleId);
  }

  bool receive(ReceivedMessage& out) override {
    PLEXUS_ASSERT_THREAD(m_thread);
    zmq::message_t first;
    if (!m_router.recv(first, zmq::recv_flags::dontwait)) return false;
    out.routingId = first.to_string();
    out.userId.clear();
    out.peerPid = 0;
    out.peerAddress.clear();
    out.frames.clear();
    for (bool more = first.more(); more;) {
      zmq::message_t part;
      (void)m_router.recv(part);  // the rest of a message is always there at once
      more = part.more();
      out.frames.push_back(std::move(part));
    }
    if (!out.frames.empty()) {
      const char* userId = zmq_msg_gets(out.frames.front().handle(), "User-Id");
      if (userId != nullptr) out.userId = userId;
      // "<host>:uid:gid:pid" on ipc: which process of the module sent this (module_server.h).
      const char* peer = zmq_msg_gets(out.frames.front().handle(), "Peer-Address");
      if (peer != nullptr) {
        out.peerAddress = peer;
        if (auto credentials = ipc::parsePeerAddress(peer)) out.peerPid = credentials->pid;
      }
    }
    return true;
  }

 private:
  SendStatus send(const std::string& moduleId) {
    m_loop.touch(m_router);
    return sendToPeer(m_router, moduleId, m_frames);
  }

  EventLoop& m_loop;
  zmq::socket_t& m_router;
  ipc::EventBatchEncoder m_encoder;
  std::vector<zmq::message_t> m_frames;
  ThreadChecker m_thread;
};

}  // namespace

SendStatus ModuleTransport::sendReplayEnd(const std::string& moduleId, const v1::ReplayEnd& end) {
  v1::Envelope envelope;
  ipc::stampVersion(envelope);
  *envelope.mutable_replay_end() = end;
  return sendEnvelope(moduleId, envelope);
}

std::unique_ptr<ModuleTransport> makeZmqModuleTransport(EventLoop& loop, zmq::socket_t& router,
                                                        ipc::BodyLayout layout) {
  return std::make_unique<ZmqModuleTransport>(loop, router, layout);
}

}  // namespace plexus::host
