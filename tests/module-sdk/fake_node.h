#pragma once

// FakeNode: the node's end of one module connection, scripted by an SDK test: a ROUTER with the
// node's socket options and ZAP check (the real ipc::ZapAuthenticator, a token issued for this
// process), which answers the handshake with a given HandshakeAck and then sends and receives
// what the test says. For SDK behaviour that needs a peer but not the node's logic (what the SDK
// sends, in which order, and how its run() loop dispatches what arrives).
// Remote mode (a Curve): a CURVE server on tcp://127.0.0.1 (an ephemeral port) whose own ZAP
// handler admits one client key and refuses others (status 400), like the node's remote endpoint.
// Thread rule: construct it and call every method on one thread (the test's node thread); the
// module under test runs on others. options() is a plain value to hand to Module::connect.

#include <plexus/sdk/module.h>
#include <plexus/v1/wire.pb.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "plexus/ipc/event_batch_codec.h"
#include "plexus/ipc/shared_bytes.h"
#include "plexus/ipc/zap_authenticator.h"
#include "temp_dir.h"

namespace plexus::sdk::test {

// One event the fake node sends: `event` serialized as its body, with its meta.
struct FakeEvent {
  v1::Event event;
  std::uint64_t seq = 0;
  std::uint64_t droppedBefore = 0;
  std::uint64_t offset = 0;
  std::uint32_t flags = 0;
};

// A Z85 CURVE key pair (zmq_curve_keypair).
struct KeyPair {
  std::string publicKey;
  std::string secretKey;
  static KeyPair generate();
};

class FakeNode {
 public:
  struct Curve {
    KeyPair server;         // the node's pair
    std::string clientKey;  // the one public key its ZAP handler admits
  };
  // Binds in a fresh directory and issues a token for `moduleId` in this process.
  explicit FakeNode(std::string moduleId);
  // Remote mode: binds tcp://127.0.0.1:0 with CURVE; options() carries the server key only (the
  // test adds the module's secret key).
  FakeNode(std::string moduleId, Curve curve);
  ~FakeNode();
  FakeNode(const FakeNode&) = delete;
  FakeNode& operator=(const FakeNode&) = delete;

  // What the module connects with.
  ConnectOptions options() const;

  // Serves ZAP and answers the module's Handshake with `ack` (versions stamped by this build).
  // False if no handshake came within `timeout`.
  bool acceptHandshake(const v1::HandshakeAck& ack, std::chrono::milliseconds timeout);
  // The module's next envelope other than a heartbeat; nullopt after `timeout`.
  std::optional<v1::Envelope> receive(std::chrono::milliseconds timeout);

  // Waits for the module's Subscribe and answers it with a SubscribeAck; nullopt (nothing sent)
  // when none came within `timeout`.
  std::optional<v1::Subscribe> acceptSubscribe(std::chrono::milliseconds timeout);

  // Receives until the module's Goodbye (its reason returned), handing every other envelope to
  // `each`; nullopt when `timeout` passes between two of them without a Goodbye.
  std::optional<std::string> receiveUntilGoodbye(
      std::chrono::milliseconds timeout, const std::function<void(const v1::Envelope&)>& each = {});

  // Answers the module's next Handshake with an Error of `code`; false if none came in time.
  bool refuseHandshake(v1::ErrorCode code, std::chrono::milliseconds timeout);
  // Takes the module's next Handshake and answers nothing; false if none came in time.
  bool ignoreHandshake(std::chrono::milliseconds timeout) { return nextHandshake(timeout); }
  // Remote mode: closes the ROUTER (the module's connection drops) and binds a new one on the
  // same port, at once or (`rebind` false) when rebind() is called; nothing else meanwhile.
  void dropConnection(bool rebind = true);
  void rebind() { bindCurveRouter(); }
  // Remote mode, while the ROUTER is closed: serves ZAP only, for `duration`. A dropped
  // connection's session ends only once the ZAP socket took its pipe's end, so a fake that
  // stopped serving would keep the TCP connection open.
  void serveZapFor(std::chrono::milliseconds duration);
  // Remote mode: the ZAP requests answered so far (admitted or refused).
  int zapRequests() const { return m_zapRequests; }

  void send(const v1::Envelope& envelope);
  void sendGoodbye(const std::string& reason);  // the host's Goodbye
  void sendBatch(v1::Lane lane, const std::vector<FakeEvent>& events);

 private:
  // Waits up to `timeout` for the module's next message (serving ZAP meanwhile).
  std::optional<v1::Envelope> next(std::chrono::milliseconds timeout);
  // Skips the module's messages until its Handshake; false if none came within `timeout`.
  bool nextHandshake(std::chrono::milliseconds timeout);
  void sendFrames(std::vector<zmq::message_t>& frames);
  void bindCurveRouter();
  void serveCurveZap();
  zmq::socket_t& zapSocket() { return m_zap ? m_zap->socket() : m_curveZap; }

  std::string m_moduleId;
  plexus::test::TempDir m_dir{"px-sdk-"};
  std::string m_endpoint;
  std::string m_token;
  zmq::context_t m_context{1};
  ipc::ModuleCredentials m_credentials;
  std::optional<ipc::ZapAuthenticator> m_zap;  // local mode
  std::optional<Curve> m_curve;                // remote mode
  zmq::socket_t m_curveZap;                    // remote mode: the ZAP handler's REP socket
  int m_zapRequests = 0;
  zmq::socket_t m_router;
  ipc::EventBatchEncoder m_encoder;
  std::deque<ipc::SharedBytes> m_bodies;  // what sent batches were made of
};

}  // namespace plexus::sdk::test
