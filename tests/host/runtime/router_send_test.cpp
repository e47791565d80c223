// sendToPeer over a real ROUTER (inproc, ROUTER_MANDATORY): a connected peer gets the frames in
// one message, an unknown peer is Unreachable, a full pipe is WouldBlock (never a block).

#include "runtime/router_send.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>
#include <zmq_addon.hpp>

namespace plexus::host {
namespace {

class RouterSendTest : public ::testing::Test {
 protected:
  RouterSendTest() {
    static std::atomic<int> counter{0};
    const std::string endpoint = "inproc://router-send-test-" + std::to_string(counter++);
    router.set(zmq::sockopt::router_mandatory, 1);
    router.bind(endpoint);
    peer.set(zmq::sockopt::routing_id, "peer");
    peer.set(zmq::sockopt::rcvtimeo, 5000);
    peer.connect(endpoint);
    // The ROUTER learns the peer's id from its first message.
    peer.send(zmq::str_buffer("hello"));
    std::vector<zmq::message_t> hello;
    router.set(zmq::sockopt::rcvtimeo, 5000);
    EXPECT_TRUE(zmq::recv_multipart(router, std::back_inserter(hello)));
  }

  static std::vector<zmq::message_t> frames(std::initializer_list<std::string> texts) {
    std::vector<zmq::message_t> out;
    for (const auto& text : texts)
      out.emplace_back(text.data(), text.size());
    return out;
  }

  zmq::context_t context;
  zmq::socket_t router{context, zmq::socket_type::router};
  zmq::socket_t peer{context, zmq::socket_type::dealer};
};

TEST_F(RouterSendTest, AConnectedPeerGetsEveryFrameInOneMessage) {
  auto message = frames({"one", "two", "three"});
  EXPECT_EQ(sendToPeer(router, "peer", message), SendStatus::Sent);
  std::vector<zmq::message_t> got;
  ASSERT_TRUE(zmq::recv_multipart(peer, std::back_inserter(got)));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].to_string(), "one");
  EXPECT_EQ(got[2].to_string(), "three");
}

TEST_F(RouterSendTest, AnUnknownPeerIsUnreachable) {
  auto message = frames({"x"});
  EXPECT_EQ(sendToPeer(router, "nobody", message), SendStatus::Unreachable);
}

TEST_F(RouterSendTest, AFullPipeIsWouldBlock) {
  // HWMs are set before connecting; a fresh pair with tiny ones.
  zmq::socket_t small(context, zmq::socket_type::router);
  small.set(zmq::sockopt::router_mandatory, 1);
  small.set(zmq::sockopt::sndhwm, 1);
  small.bind("inproc://router-send-test-full");
  zmq::socket_t slow(context, zmq::socket_type::dealer);
  slow.set(zmq::sockopt::routing_id, "slow");
  slow.set(zmq::sockopt::rcvhwm, 1);
  slow.connect("inproc://router-send-test-full");
  slow.send(zmq::str_buffer("hello"));
  std::vector<zmq::message_t> hello;
  small.set(zmq::sockopt::rcvtimeo, 5000);
  ASSERT_TRUE(zmq::recv_multipart(small, std::back_inserter(hello)));

  SendStatus status = SendStatus::Sent;
  for (int i = 0; i < 1000 && status == SendStatus::Sent; ++i) {
    auto message = frames({"payload"});
    status = sendToPeer(small, "slow", message);
  }
  EXPECT_EQ(status, SendStatus::WouldBlock) << "the peer never reads";
}

}  // namespace
}  // namespace plexus::host
