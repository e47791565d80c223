// ZAP decisions in isolation, then the real thing: an in-process ROUTER configured exactly as
// the node's, a DEALER configured as the SDK's, over ipc://.

#include "plexus/ipc/zap_authenticator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <future>
#include <thread>
#include <zmq_addon.hpp>

#include "plexus/ipc/protocol.h"
#include "plexus/ipc/socket_monitor.h"
#include "plexus/ipc/sockets.h"

namespace plexus::ipc {
namespace {

std::string peer(pid_t pid, uid_t uid = ::getuid()) {
  return "localhost:" + std::to_string(uid) + ":0:" + std::to_string(pid);
}

ZapRequest plain(const std::string& user, const std::string& password, const std::string& address) {
  return ZapRequest{"1", kModuleZapDomain, address, "PLAIN", user, password};
}

TEST(PeerAddressTest, ParsesTheIpcForm) {
  auto creds = parsePeerAddress("localhost:1000:100:4242");
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(creds->uid, 1000u);
  EXPECT_EQ(creds->gid, 100u);
  EXPECT_EQ(creds->pid, 4242);
  EXPECT_TRUE(parsePeerAddress(":0:0:7").has_value());
  EXPECT_FALSE(parsePeerAddress("127.0.0.1").has_value());
  EXPECT_FALSE(parsePeerAddress("localhost:a:b:c").has_value());
  EXPECT_FALSE(parsePeerAddress("localhost:0:0:0").has_value());
  EXPECT_FALSE(parsePeerAddress("").has_value());
}

TEST(ModuleCredentialsTest, AcceptsOnlyTheSpawnedChildOnceWithItsToken) {
  ModuleCredentials creds(::getuid());
  auto token = creds.issue("logger");
  creds.bindPid("logger", 4242);
  EXPECT_FALSE(creds.check(plain("logger", "wrong", peer(4242))).accepted);
  EXPECT_FALSE(creds.check(plain("logger", token, peer(4243))).accepted) << "another process";
  EXPECT_FALSE(creds.check(plain("logger", token, peer(4242, ::getuid() + 1))).accepted)
      << "another uid";
  EXPECT_FALSE(creds.check(plain("other", token, peer(4242))).accepted) << "another id";
  auto verdict = creds.check(plain("logger", token, peer(4242)));
  ASSERT_TRUE(verdict.accepted) << verdict.reason;
  EXPECT_EQ(verdict.userId, "logger");
  auto again = creds.check(plain("logger", token, peer(4242)));
  EXPECT_FALSE(again.accepted) << "burnt after use";
  EXPECT_NE(again.reason.find("no unused token"), std::string::npos);
}

TEST(ModuleCredentialsTest, ANewIssueReplacesTheOldTokenAndUnboundPidsAreRefused) {
  ModuleCredentials creds(::getuid());
  auto first = creds.issue("m");
  auto second = creds.issue("m");
  EXPECT_FALSE(creds.check(plain("m", second, peer(10))).accepted) << "pid not bound yet";
  creds.bindPid("m", 10);
  EXPECT_FALSE(creds.check(plain("m", first, peer(10))).accepted);
  EXPECT_TRUE(creds.check(plain("m", second, peer(10))).accepted);
  creds.issue("n");
  creds.revoke("n");
  EXPECT_FALSE(creds.hasPending("n"));
}

class ZapSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("plexus-zap-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  // Serves ZAP and reads the ROUTER on one thread, as the node does. The credentials belong to
  // that thread too: `prepare` (issuing tokens) runs there first, and startHost() returns once it
  // ran.
  void startHost(const std::function<void()>& prepare, bool withZap = true) {
    if (withZap) zap = std::make_unique<ZapAuthenticator>(context, creds, ::getuid());
    router = std::make_unique<zmq::socket_t>(context, zmq::socket_type::router);
    configureModuleRouter(*router, 1 << 20);
    bindPrivate(*router, (dir / "m.sock").string());
    std::promise<void> prepared;
    host = std::thread([this, &prepare, &prepared] {
      prepare();
      prepared.set_value();
      while (!stop) {
        std::vector<zmq::pollitem_t> items{{router->handle(), 0, ZMQ_POLLIN, 0}};
        if (zap) items.push_back({zap->socket().handle(), 0, ZMQ_POLLIN, 0});
        zmq::poll(items, std::chrono::milliseconds(20));
        if (zap && (items[1].revents & ZMQ_POLLIN)) zap->serveReady();
        if (items[0].revents & ZMQ_POLLIN) {
          std::vector<zmq::message_t> frames;
          (void)zmq::recv_multipart(*router, std::back_inserter(frames));
          received.push_back(frames[0].to_string() + "|" + frames[1].gets("User-Id") + "|" +
                             frames[1].to_string());
          ++receivedCount;
        }
      }
    });
    prepared.get_future().wait();
  }
  void stopHost() {
    stop = true;
    if (host.joinable()) host.join();
  }

  // Connects a DEALER and reports the first handshake outcome.
  std::uint16_t connect(zmq::socket_t& dealer, const std::string& id, const std::string& token,
                        std::uint32_t* status = nullptr) {
    configureModuleDealer(dealer, id, token);
    SocketMonitor monitor(context, dealer, ZMQ_EVENT_ALL);
    dealer.connect("ipc://" + (dir / "m.sock").string());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      auto event = monitor.next(std::chrono::milliseconds(100));
      if (!event) continue;
      if (event->event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED ||
          event->event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ||
          event->event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
          event->event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
        if (status) *status = event->value;
        return event->event;
      }
    }
    return 0;
  }

  std::filesystem::path dir;
  zmq::context_t context;
  ModuleCredentials creds{::getuid()};
  std::unique_ptr<ZapAuthenticator> zap;
  std::unique_ptr<zmq::socket_t> router;
  std::thread host;
  std::atomic<bool> stop{false};
  std::atomic<int> receivedCount{0};
  std::vector<std::string> received;
};

TEST_F(ZapSocketTest, RightTokenConnectsOnceWithUserIdAndTheTokenIsBurnt) {
  std::string token;
  startHost([&] {
    token = creds.issue("mod-a");
    creds.bindPid("mod-a", ::getpid());
  });
  zmq::socket_t first(context, zmq::socket_type::dealer);
  ASSERT_EQ(connect(first, "mod-a", token), ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
  first.send(zmq::str_buffer("hello"));

  zmq::socket_t second(context, zmq::socket_type::dealer);
  std::uint32_t status = 0;
  EXPECT_EQ(connect(second, "mod-a", token, &status), ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
  EXPECT_EQ(status, 400u);

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (receivedCount == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  stopHost();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0], "mod-a|mod-a|hello");
}

TEST_F(ZapSocketTest, WrongTokenAndUnknownModuleAreRefused) {
  startHost([&] {
    creds.issue("mod-a");
    creds.bindPid("mod-a", ::getpid());
  });
  zmq::socket_t wrong(context, zmq::socket_type::dealer);
  EXPECT_EQ(connect(wrong, "mod-a", std::string(64, '0')), ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
  zmq::socket_t unknown(context, zmq::socket_type::dealer);
  EXPECT_EQ(connect(unknown, "nobody", std::string(64, '0')), ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
  stopHost();
  EXPECT_TRUE(received.empty());
}

TEST_F(ZapSocketTest, WithoutAZapHandlerTheSocketFailsClosed) {
  std::string token;
  startHost(
      [&] {
        token = creds.issue("mod-a");
        creds.bindPid("mod-a", ::getpid());
      },
      /*withZap=*/false);
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  EXPECT_NE(connect(dealer, "mod-a", token), ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
  stopHost();
  EXPECT_TRUE(received.empty());
}

}  // namespace
}  // namespace plexus::ipc
