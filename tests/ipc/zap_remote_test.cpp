// ZAP on the remote modules' endpoint (domain plexus-remote): CURVE only, and a client key maps
// to the ONE module id configured with it; unknown keys, PLAIN and NULL are refused. Then the
// real thing: a CURVE ROUTER and DEALERs in process.

#include <gtest/gtest.h>

#include <array>
#include <zmq_addon.hpp>

#include "plexus/ipc/curve_keys.h"
#include "plexus/ipc/protocol.h"
#include "plexus/ipc/socket_monitor.h"
#include "plexus/ipc/zap_authenticator.h"

namespace plexus::ipc {
namespace {

struct KeyPair {
  std::string publicKey;
  std::string secretKey;
};
KeyPair keyPair() {
  std::array<char, 41> pub{}, sec{};
  EXPECT_EQ(zmq_curve_keypair(pub.data(), sec.data()), 0);
  return {pub.data(), sec.data()};
}

ZapRequest curve(const std::string& key) {
  ZapRequest request{"1", kRemoteZapDomain, "127.0.0.1", "CURVE", "", ""};
  request.username = key;
  return request;
}

class ZapRemoteTest : public ::testing::Test {
 protected:
  ZapRemoteTest() { zap.setRemoteKeys({{a.publicKey, "a"}, {b.publicKey, "b"}}); }
  zmq::context_t context;
  ModuleCredentials creds{::getuid()};
  ZapAuthenticator zap{context, creds, ::getuid()};
  KeyPair a = keyPair();
  KeyPair b = keyPair();
};

TEST_F(ZapRemoteTest, AKnownKeyIsItsModuleAndNothingElseIsAdmitted) {
  auto verdict = zap.decide(curve(a.publicKey));
  EXPECT_TRUE(verdict.accepted) << verdict.reason;
  EXPECT_EQ(verdict.userId, "a");
  EXPECT_EQ(zap.decide(curve(b.publicKey)).userId, "b");
  auto unknown = zap.decide(curve(keyPair().publicKey));
  EXPECT_FALSE(unknown.accepted);
  EXPECT_NE(unknown.reason.find("no remote module's key"), std::string::npos);
  for (const char* mechanism : {"PLAIN", "NULL"}) {
    ZapRequest request = curve(a.publicKey);
    request.mechanism = mechanism;
    auto refused = zap.decide(request);
    EXPECT_FALSE(refused.accepted) << mechanism;
    EXPECT_EQ(refused.reason, "remote endpoint requires CURVE");
  }
  // A remote key means nothing on the module socket's domain.
  ZapRequest elsewhere = curve(a.publicKey);
  elsewhere.domain = kModuleZapDomain;
  EXPECT_FALSE(zap.decide(elsewhere).accepted);
}

TEST_F(ZapRemoteTest, ParsesTheCurveKeyFrameToZ85) {
  std::array<std::uint8_t, 32> raw{};
  ASSERT_NE(zmq_z85_decode(raw.data(), a.publicKey.c_str()), nullptr);
  std::vector<zmq::message_t> frames;
  for (const char* text : {"1.0", "7", kRemoteZapDomain, "127.0.0.1", "", "CURVE"})
    frames.emplace_back(std::string_view(text));
  frames.emplace_back(raw.data(), raw.size());
  auto request = parseZapRequest(frames);
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->username, a.publicKey);
  frames.back() = zmq::message_t(raw.data(), 31);  // not a key
  EXPECT_FALSE(parseZapRequest(frames).has_value());
}

TEST_F(ZapRemoteTest, OverCurveTheUserIdIsTheKeysModule) {
  const KeyPair server = keyPair();
  zmq::socket_t router(context, zmq::socket_type::router);
  router.set(zmq::sockopt::zap_domain, kRemoteZapDomain);
  router.set(zmq::sockopt::curve_server, 1);
  router.set(zmq::sockopt::curve_secretkey, server.secretKey);
  router.bind("tcp://127.0.0.1:*");
  const std::string endpoint = router.get(zmq::sockopt::last_endpoint);
  auto dealerWith = [&](const KeyPair& client) {
    zmq::socket_t dealer(context, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.set(zmq::sockopt::curve_serverkey, server.publicKey);
    dealer.set(zmq::sockopt::curve_publickey, client.publicKey);
    dealer.set(zmq::sockopt::curve_secretkey, client.secretKey);
    return dealer;
  };
  // Serves ZAP on this thread until the DEALER's handshake is decided.
  auto handshake = [&](zmq::socket_t& dealer) -> int {
    SocketMonitor monitor(context, dealer, ZMQ_EVENT_ALL);
    dealer.connect(endpoint);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      zap.serveReady();
      auto event = monitor.next(std::chrono::milliseconds(10));
      if (event && (event->event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED ||
                    event->event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)) {
        return event->event;
      }
    }
    return 0;
  };
  zmq::socket_t known = dealerWith(b);
  ASSERT_EQ(handshake(known), ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
  known.send(zmq::str_buffer("hi"));
  std::vector<zmq::message_t> frames;
  ASSERT_TRUE(zmq::recv_multipart(router, std::back_inserter(frames)));
  EXPECT_STREQ(frames[1].gets("User-Id"), "b");
  zmq::socket_t stranger = dealerWith(keyPair());
  EXPECT_EQ(handshake(stranger), ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
}

}  // namespace
}  // namespace plexus::ipc
