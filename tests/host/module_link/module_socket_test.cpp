// ModuleSocket with the real pieces around it (ZAP handler, event loop, a module's DEALER over
// ipc): an authenticated message reaches the handler with its User-Id, an answer through the
// transport reaches the module, a peer that is gone is unreachable, and a connection ZeroMQ
// refuses before ZAP (no credentials) is logged. The socket file is private (0600).

#include "module_link/module_socket.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <sstream>

#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/sockets.h"
#include "plexus/ipc/zap_authenticator.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

class ModuleSocketTest : public ::testing::Test {
 protected:
  ModuleSocketTest() {
    loop.addSocket(zap.socket(), [this] { zap.serveReady(); });
    loop.runAfter(10s, [this] { loop.stop(); });  // a deadline for every test
  }
  ~ModuleSocketTest() override { std::filesystem::remove_all(dir); }

  static std::filesystem::path makeDir() {
    static std::atomic<int> counter{0};
    auto path = std::filesystem::path("/tmp") /
                ("pxms-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path);
    return path;
  }

  std::filesystem::path dir = makeDir();
  zmq::context_t context;
  ipc::ModuleCredentials credentials{::getuid()};
  ipc::ZapAuthenticator zap{context, credentials, ::getuid()};
  EventLoop loop;
  std::ostringstream logged;
  RefusalLog refusals{std::make_shared<spdlog::logger>(
      "module-socket-test", std::make_shared<spdlog::sinks::ostream_sink_st>(logged))};
  ModuleSocket socket{context, loop, refusals, {dir / "m.sock", 1 << 20}};
};

TEST_F(ModuleSocketTest, EndpointAndAPrivateSocketFile) {
  EXPECT_EQ(socket.endpoint(), "ipc://" + (dir / "m.sock").string());
  struct stat info {};
  ASSERT_EQ(::stat((dir / "m.sock").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(ModuleSocketTest, AnAuthenticatedMessageReachesTheHandlerAndTheAnswerTheModule) {
  const std::string token = credentials.issue("mod-a");
  credentials.bindPid("mod-a", ::getpid());
  std::vector<std::string> received;
  socket.serve([&](ReceivedMessage& message) {
    v1::Envelope envelope;
    ASSERT_EQ(message.frames.size(), 1u);
    ASSERT_TRUE(ipc::decodeEnvelope(message.frames[0], envelope).ok());
    received.push_back(message.routingId + "|" + message.userId + "|" +
                       (envelope.has_heartbeat() ? "heartbeat" : "?"));
    EXPECT_EQ(socket.transport().sendEnvelope(
                  message.routingId, ipc::errorEnvelope(v1::ERROR_CODE_INTERNAL, "answer", 5)),
              SendStatus::Sent);
    loop.stop();
  });
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  ipc::configureModuleDealer(dealer, "mod-a", token);
  dealer.set(zmq::sockopt::immediate, 0);  // queue before the handshake: the loop serves ZAP
  dealer.set(zmq::sockopt::rcvtimeo, 5000);
  dealer.connect(socket.endpoint());
  v1::Envelope heartbeat;
  ipc::stampVersion(heartbeat);
  heartbeat.mutable_heartbeat();
  ASSERT_TRUE(dealer.send(ipc::encodeEnvelope(heartbeat), zmq::send_flags::dontwait));
  loop.run();
  EXPECT_EQ(received, std::vector<std::string>{"mod-a|mod-a|heartbeat"});

  zmq::message_t answer;
  ASSERT_TRUE(dealer.recv(answer)) << "no answer within 5 s";
  v1::Envelope envelope;
  ASSERT_TRUE(ipc::decodeEnvelope(answer, envelope).ok());
  EXPECT_EQ(envelope.error().message(), "answer");
  EXPECT_EQ(envelope.error().correlation_id(), 5u);

  EXPECT_EQ(socket.transport().sendEnvelope("nobody", heartbeat), SendStatus::Unreachable);
  EXPECT_TRUE(logged.str().empty()) << logged.str();
}

TEST_F(ModuleSocketTest, AConnectionWithoutCredentialsIsRefusedAndLogged) {
  int handled = 0;
  socket.serve([&](ReceivedMessage&) { ++handled; });
  loop.addAfterHook([&] {
    if (!logged.str().empty()) loop.stop();
  });
  zmq::socket_t dealer(context, zmq::socket_type::dealer);  // the NULL mechanism
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(socket.endpoint());
  (void)dealer.send(zmq::str_buffer("hello"), zmq::send_flags::dontwait);
  loop.run();
  EXPECT_NE(logged.str().find("refused a connection on the module socket before authentication"),
            std::string::npos)
      << logged.str();
  EXPECT_EQ(handled, 0);
}

}  // namespace
}  // namespace plexus::host
