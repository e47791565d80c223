// ControlServer over a real ROUTER (inproc, ROUTER_MANDATORY) with a DEALER as the operator's
// client and recording handlers: routing by body, the protocol version stamped on every answer,
// malformed requests, another major, a body nobody serves, a client that is gone; every Error
// answer counted by its code (ControlRejections), peer refusals in their own slot.

#include "control/control_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>
#include <zmq_addon.hpp>

#include "plexus/ipc/protocol.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

// Serves the bodies it is given; answers every request with an empty response of its own.
class RecordingHandler final : public ControlHandler {
 public:
  RecordingHandler(ControlReplier& replier, std::vector<v1::ControlRequest::BodyCase> bodies)
      : m_replier(replier), m_bodies(std::move(bodies)) {}
  std::vector<v1::ControlRequest::BodyCase> bodies() const override { return m_bodies; }
  void handle(const std::string& clientId, const v1::ControlRequest& request) override {
    handled.push_back(request);
    v1::ControlResponse response = responseTo(request);
    response.mutable_status()->set_version("from the handler");
    m_replier.reply(clientId, std::move(response));
  }
  std::vector<v1::ControlRequest> handled;

 private:
  ControlReplier& m_replier;
  std::vector<v1::ControlRequest::BodyCase> m_bodies;
};

class ControlServerTest : public ::testing::Test {
 protected:
  ControlServerTest() {
    static std::atomic<int> counter{0};
    const std::string endpoint = "inproc://control-server-test-" + std::to_string(counter++);
    router.set(zmq::sockopt::router_mandatory, 1);
    router.bind(endpoint);
    client.set(zmq::sockopt::routing_id, "client-1");
    client.set(zmq::sockopt::rcvtimeo, 5000);
    client.connect(endpoint);
    server.add(queries);
  }

  v1::ControlRequest request(std::uint64_t correlationId) {
    v1::ControlRequest r;
    r.set_protocol_major(ipc::kProtocolMajor);
    r.set_protocol_minor(ipc::kProtocolMinor);
    r.set_correlation_id(correlationId);
    return r;
  }

  // The client sends `frames`; the server serves once they arrived; the client's answer.
  v1::ControlResponse exchange(const std::vector<std::string>& frames) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      client.send(zmq::buffer(frames[i]),
                  i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
    zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
    EXPECT_EQ(zmq::poll(&item, 1, 5000ms), 1) << "the request never reached the server";
    server.serveReady();
    zmq::message_t answer;
    EXPECT_TRUE(client.recv(answer)) << "no answer within 5 s";
    v1::ControlResponse response;
    EXPECT_TRUE(response.ParseFromArray(answer.data(), static_cast<int>(answer.size())));
    EXPECT_FALSE(answer.more()) << "one frame per answer";
    return response;
  }
  v1::ControlResponse exchange(const v1::ControlRequest& r) {
    return exchange(std::vector<std::string>{r.SerializeAsString()});
  }

  static void expectError(const v1::ControlResponse& response, v1::ErrorCode code,
                          std::uint64_t correlationId) {
    ASSERT_TRUE(response.has_error()) << response.DebugString();
    EXPECT_EQ(response.error().code(), code) << response.error().message();
    EXPECT_EQ(response.correlation_id(), correlationId);
    EXPECT_EQ(response.error().correlation_id(), correlationId);
    EXPECT_EQ(response.protocol_major(), ipc::kProtocolMajor);
  }

  zmq::context_t context;
  zmq::socket_t router{context, zmq::socket_type::router};
  zmq::socket_t client{context, zmq::socket_type::dealer};
  EventLoop loop;
  ControlServer server{router, loop};
  RecordingHandler queries{server, {v1::ControlRequest::kStatus, v1::ControlRequest::kModules}};
};

TEST_F(ControlServerTest, EachBodyGoesToItsHandlerAndTheAnswerIsStampedWithTheVersion) {
  v1::ControlRequest status = request(7);
  status.mutable_status();
  const v1::ControlResponse response = exchange(status);
  ASSERT_EQ(queries.handled.size(), 1u);
  EXPECT_TRUE(queries.handled[0].has_status());
  EXPECT_EQ(response.correlation_id(), 7u);
  EXPECT_EQ(response.status().version(), "from the handler");
  EXPECT_EQ(response.protocol_major(), ipc::kProtocolMajor);
  EXPECT_EQ(response.protocol_minor(), ipc::kProtocolMinor);

  v1::ControlRequest modules = request(8);
  modules.mutable_modules();
  EXPECT_EQ(exchange(modules).correlation_id(), 8u);
  ASSERT_EQ(queries.handled.size(), 2u);
  EXPECT_TRUE(queries.handled[1].has_modules());
}

TEST_F(ControlServerTest, ABodyNobodyServesIsAnInvalidArgument) {
  v1::ControlRequest load = request(9);
  load.mutable_load()->mutable_module()->set_name("x");
  const v1::ControlResponse response = exchange(load);
  expectError(response, v1::ERROR_CODE_INVALID_ARGUMENT, 9);
  EXPECT_EQ(response.error().message(), "this node does not serve that request");
  EXPECT_TRUE(queries.handled.empty());
}

TEST_F(ControlServerTest, AnotherMajorIsRefusedWithTheCorrelationId) {
  v1::ControlRequest status = request(10);
  status.set_protocol_major(ipc::kProtocolMajor + 1);
  status.mutable_status();
  const v1::ControlResponse response = exchange(status);
  expectError(response, v1::ERROR_CODE_UNSUPPORTED_VERSION, 10);
  EXPECT_NE(response.error().message().find("this node speaks " + ipc::protocolVersionString()),
            std::string::npos)
      << response.error().message();
  EXPECT_TRUE(queries.handled.empty());
}

TEST_F(ControlServerTest, WhatIsNotOneControlRequestIsMalformed) {
  expectError(exchange(std::vector<std::string>{"\xff\xff\xff garbage"}), v1::ERROR_CODE_MALFORMED,
              0);
  // A request without a body.
  expectError(exchange(std::vector<std::string>{std::string()}), v1::ERROR_CODE_MALFORMED, 0);
  v1::ControlRequest status = request(11);
  status.mutable_status();
  expectError(exchange({status.SerializeAsString(), "second"}), v1::ERROR_CODE_MALFORMED, 0);
  EXPECT_TRUE(queries.handled.empty());
  // The connection still works.
  EXPECT_EQ(exchange(status).correlation_id(), 11u);
}

TEST_F(ControlServerTest, EveryErrorAnswerIsCountedByItsCodeAndAnswersAreNot) {
  const auto& counts = server.rejections().counts();
  v1::ControlRequest status = request(13);
  status.mutable_status();
  exchange(status);
  EXPECT_EQ(counts, ControlRejections::Counts{}) << "an answer is no rejection";

  exchange(std::vector<std::string>{"\xff\xff\xff garbage"});
  exchange({status.SerializeAsString(), "second"});
  v1::ControlRequest load = request(14);
  load.mutable_load()->mutable_module()->set_name("x");
  exchange(load);
  status.set_protocol_major(ipc::kProtocolMajor + 1);
  exchange(status);
  EXPECT_EQ(counts[v1::ERROR_CODE_MALFORMED], 2U);
  EXPECT_EQ(counts[v1::ERROR_CODE_INVALID_ARGUMENT], 1U);
  EXPECT_EQ(counts[v1::ERROR_CODE_UNSUPPORTED_VERSION], 1U);
  EXPECT_EQ(counts[ControlRejections::kPeerRefused], 0U);

  // A handler's refusal goes out through the same send(): counted too.
  server.replyError("client-1", 15, makeError(v1::ERROR_CODE_NOT_FOUND, "no module 'x'"));
  EXPECT_EQ(counts[v1::ERROR_CODE_NOT_FOUND], 1U);
  server.countPeerRefused();
  server.countPeerRefused();
  EXPECT_EQ(counts[ControlRejections::kPeerRefused], 2U);
}

TEST_F(ControlServerTest, ABodyWithTwoHandlersIsAProgrammingError) {
  RecordingHandler second{server, {v1::ControlRequest::kStats, v1::ControlRequest::kStatus}};
  EXPECT_THROW(server.add(second), std::logic_error);
}

TEST_F(ControlServerTest, SendingToAClientThatIsGoneIsUnreachable) {
  v1::ControlResponse response;
  response.mutable_status();
  EXPECT_EQ(server.send("nobody", response), SendStatus::Unreachable);
}

TEST_F(ControlServerTest, ServedFromTheLoopOnceServing) {
  server.serve();
  v1::ControlRequest status = request(12);
  status.mutable_status();
  client.send(zmq::buffer(status.SerializeAsString()));
  loop.addAfterHook([&] {
    if (!queries.handled.empty()) loop.stop();
  });
  loop.runAfter(5000ms, [&] { loop.stop(); });  // a deadline, should the request never come
  loop.run();
  ASSERT_EQ(queries.handled.size(), 1u);
  zmq::message_t answer;
  ASSERT_TRUE(client.recv(answer));
}

}  // namespace
}  // namespace plexus::host
