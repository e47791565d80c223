// A remote module's connection lost: run() reconnects with backoff, handshakes and subscribes
// again and goes on as a new incarnation, and so after NodeShutdown at the node's Goodbye or the
// loss (the node may be restarting); a handshake answered UNAVAILABLE is retried; requests made
// while disconnected are UNAVAILABLE at once; stop() ends the waiting; the host's Goodbye of an
// unload and a fatal refusal end run() without reconnecting. Against a FakeNode serving CURVE that
// drops the connection by closing its ROUTER (fake_node.h).

#include <gtest/gtest.h>
#include <plexus/sdk/module.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "connect_error_of.h"
#include "fake_node.h"
#include "fake_node_thread.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/protocol.h"
#include "tcp_relay.h"

namespace plexus::sdk::test {
namespace {

using Clock = std::chrono::steady_clock;

// The node's heartbeat interval here: the SDK checks its connection that often.
v1::HandshakeAck remoteAck(std::uint64_t incarnation) {
  v1::HandshakeAck ack = ackAt(ipc::kProtocolMinor);
  ack.set_incarnation(incarnation);
  ack.set_heartbeat_interval_ms(100);
  return ack;
}

// The module acknowledged the event lane through `seq` (it handled the event).
void expectAck(FakeNode& node, std::uint64_t seq) {
  while (auto in = node.receive(kWait)) {
    if (in->has_ack() && in->ack().through_seq() >= seq) return;
  }
  ADD_FAILURE() << "no ack of seq " << seq;
}

struct Remote {
  KeyPair module = KeyPair::generate();
  FakeNode::Curve curve{KeyPair::generate(), module.publicKey};
  ConnectOptions options(const FakeNodeThread& node) const {
    ConnectOptions out = node.options();
    out.secretKey = module.secretKey;
    return out;
  }
};

TEST(ModuleReconnectTest, ALostConnectionComesBackAsANewIncarnationWithTheSameSubscription) {
  Remote remote;
  std::vector<int> firstTypes, secondTypes;
  FakeNodeThread node(remote.curve, [&](FakeNode& fake) {
    ASSERT_TRUE(fake.acceptHandshake(remoteAck(1), kWait));
    auto first = fake.acceptSubscribe(kWait);
    ASSERT_TRUE(first.has_value());
    firstTypes.assign(first->types().begin(), first->types().end());
    fake.sendBatch(v1::LANE_EVENT, {newBlock(1, 1)});
    expectAck(fake, 1);
    fake.dropConnection();
    ASSERT_TRUE(fake.acceptHandshake(remoteAck(2), kWait)) << "no second handshake";
    auto second = fake.acceptSubscribe(kWait);
    ASSERT_TRUE(second.has_value());
    secondTypes.assign(second->types().begin(), second->types().end());
    fake.sendBatch(v1::LANE_EVENT, {newBlock(1, 2)});  // sequences start over
    fake.sendGoodbye("unloaded by operator");
    EXPECT_EQ(fake.receiveUntilGoodbye(kWait), "unloaded");
  });
  Module module = Module::connect(remote.options(node));
  std::vector<std::pair<std::uint64_t, std::uint64_t>> seen;  // (incarnation, height)
  module.on(v1::EVENT_TYPE_NEW_BLOCK, [&](const Delivery& d) {
    seen.emplace_back(module.incarnation(), d.event().new_block().height());
  });
  EXPECT_EQ(module.run(), 0);
  node.join();
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> expected{{1, 1}, {2, 2}};
  EXPECT_EQ(seen, expected);
  EXPECT_FALSE(firstTypes.empty());
  EXPECT_EQ(firstTypes, secondTypes);
}

// A node that goes silent with its connection open (SIGSTOP, a cut cable): the ZMTP heartbeats
// go unanswered, the SDK drops the connection and reconnects. The first connection's heartbeat
// is the SDK's default (1 s, timeout 3 s): the node's interval is known only after it.
TEST(ModuleReconnectTest, ANodeThatStopsAnsweringIsFoundByHeartbeatsAndReconnected) {
  Remote remote;
  std::promise<TcpRelay*> relayReady;
  auto relayFuture = relayReady.get_future();
  FakeNodeThread node(remote.curve, [&](FakeNode& fake) {
    TcpRelay* relay = relayFuture.get();
    ASSERT_TRUE(fake.acceptHandshake(remoteAck(1), kWait));
    ASSERT_TRUE(fake.acceptSubscribe(kWait).has_value());
    fake.sendBatch(v1::LANE_EVENT, {newBlock(1, 1)});
    expectAck(fake, 1);
    relay->freeze();
    ASSERT_TRUE(fake.acceptHandshake(remoteAck(2), kWait)) << "no second handshake";
    ASSERT_TRUE(fake.acceptSubscribe(kWait).has_value());
    fake.sendBatch(v1::LANE_EVENT, {newBlock(1, 2)});
    fake.sendGoodbye("unloaded by operator");
    EXPECT_EQ(fake.receiveUntilGoodbye(kWait), "unloaded");
  });
  ConnectOptions options = remote.options(node);
  const auto port = options.endpoint.substr(options.endpoint.rfind(':') + 1);
  TcpRelay relay(static_cast<std::uint16_t>(std::stoi(port)));
  relayReady.set_value(&relay);
  options.endpoint = "tcp://127.0.0.1:" + std::to_string(relay.port());
  Module module = Module::connect(options);
  std::vector<std::uint64_t> incarnations;
  module.on(v1::EVENT_TYPE_NEW_BLOCK,
            [&](const Delivery&) { incarnations.push_back(module.incarnation()); });
  const auto started = Clock::now();
  EXPECT_EQ(module.run(), 0);
  node.join();
  EXPECT_EQ(incarnations, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(8)) << "1 s heartbeats, 3 s timeout";
}

TEST(ModuleReconnectTest, AHandshakeAnsweredUnavailableIsRetriedWithBackoff) {
  Remote remote;
  FakeNodeThread node(remote.curve, [](FakeNode& fake) {
    ASSERT_TRUE(fake.refuseHandshake(v1::ERROR_CODE_UNAVAILABLE, kWait));
    ASSERT_TRUE(fake.refuseHandshake(v1::ERROR_CODE_UNAVAILABLE, kWait));
    ASSERT_TRUE(fake.acceptHandshake(remoteAck(1), kWait)) << "no third handshake";
    EXPECT_EQ(fake.zapRequests(), 3) << "a new connection for each attempt";
  });
  const auto started = Clock::now();
  Module module = Module::connect(remote.options(node));
  const auto took = Clock::now() - started;
  EXPECT_EQ(module.incarnation(), 1u);
  // Two waits: 100 ms then 200 ms, each drawn in [d/2, d].
  EXPECT_GE(took, std::chrono::milliseconds(150));
}

// What Module::connect() with a 500 ms timeout says against `node`.
std::string connectErrorAgainst(const Remote& remote, const FakeNodeThread& node) {
  ConnectOptions options = remote.options(node);
  options.timeout = std::chrono::milliseconds(500);
  return test::connectErrorOf([&] { (void)Module::connect(options); });
}

TEST(ModuleReconnectTest, UnavailableUntilTheTimeoutIsAConnectError) {
  Remote remote;
  FakeNodeThread node(remote.curve, [](FakeNode& fake) {
    while (fake.refuseHandshake(v1::ERROR_CODE_UNAVAILABLE, std::chrono::milliseconds(700))) {
    }
  });
  const std::string what = connectErrorAgainst(remote, node);
  EXPECT_NE(what.find("cannot take the handshake"), std::string::npos) << what;
}

// An attempt still unanswered at the deadline says so, and keeps the reason the node gave before.
TEST(ModuleReconnectTest, ATimeoutAfterAnUnavailableAnswerNamesTheNodesLastAnswer) {
  Remote remote;
  FakeNodeThread node(remote.curve, [](FakeNode& fake) {
    ASSERT_TRUE(fake.refuseHandshake(v1::ERROR_CODE_UNAVAILABLE, kWait));
    while (fake.ignoreHandshake(std::chrono::milliseconds(700))) {
    }
  });
  const std::string what = connectErrorAgainst(remote, node);
  EXPECT_NE(what.find("did not answer the handshake"), std::string::npos) << what;
  EXPECT_NE(what.find("the node's last answer: plexus-node cannot take the handshake of module "
                      "'remote' now: refused by the fake node"),
            std::string::npos)
      << what;
}

TEST(ModuleReconnectTest, RequestsWhileDisconnectedAreUnavailableAndStopEndsTheWaiting) {
  Remote remote;
  std::promise<void> handled, dropped;
  std::atomic<bool> done{false};
  FakeNodeThread node(remote.curve, [&](FakeNode& fake) {
    ASSERT_TRUE(fake.acceptHandshake(remoteAck(1), kWait));
    ASSERT_TRUE(fake.acceptSubscribe(kWait).has_value());
    fake.sendBatch(v1::LANE_EVENT, {newBlock(1, 1)});
    expectAck(fake, 1);
    fake.dropConnection(false);  // and nothing listens any more
    dropped.set_value();
    while (!done)
      fake.serveZapFor(std::chrono::milliseconds(20));
  });
  Module module = Module::connect(remote.options(node));
  module.on(v1::EVENT_TYPE_NEW_BLOCK, [&](const Delivery&) { handled.set_value(); });
  std::future<int> status = std::async(std::launch::async, [&] { return module.run(); });
  ASSERT_EQ(handled.get_future().wait_for(kWait), std::future_status::ready);
  dropped.get_future().wait();
  // Until the loss is seen, a request waits for it; then every request is UNAVAILABLE at once.
  const auto deadline = Clock::now() + kWait;
  Result<v1::DeliveryStats> stats = module.stats();
  while (stats.ok() && Clock::now() < deadline)
    stats = module.stats();
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.error().code, v1::ERROR_CODE_UNAVAILABLE) << stats.error().message;
  const auto asked = Clock::now();
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_NEW_BLOCK);
  auto published = module.publish(event);
  EXPECT_LT(Clock::now() - asked, std::chrono::seconds(1));
  ASSERT_FALSE(published.ok());
  EXPECT_EQ(published.error().code, v1::ERROR_CODE_UNAVAILABLE);
  module.stop();
  ASSERT_EQ(status.wait_for(kWait), std::future_status::ready) << "stop() while reconnecting";
  EXPECT_EQ(status.get(), 0);
  EXPECT_LT(Clock::now() - asked, std::chrono::seconds(2)) << "the loss was seen late";
  done = true;
}

TEST(ModuleReconnectTest, TheHostsGoodbyeEndsRunWithoutReconnecting) {
  Remote remote;
  FakeNodeThread node(remote.curve, [](FakeNode& fake) {
    ASSERT_TRUE(fake.acceptHandshake(remoteAck(1), kWait));
    ASSERT_TRUE(fake.acceptSubscribe(kWait).has_value());
    fake.sendGoodbye("unloaded by the operator");
    EXPECT_EQ(fake.receiveUntilGoodbye(kWait), "unloaded");
  });
  Module module = Module::connect(remote.options(node));
  EXPECT_EQ(module.run(), 0);
  node.join();
}

// The node may be restarting: after NodeShutdown (its handler runs), the node's Goodbye, or
// from an older node the connection's loss, is taken as a loss: no Goodbye of its own, a new
// connection and incarnation. Only a Goodbye without NodeShutdown before it (unload) ends run().
TEST(ModuleReconnectTest, NodeShutdownThenTheNodesGoodbyeOrALossReconnects) {
  Remote remote;
  FakeNodeThread node(remote.curve, [&](FakeNode& fake) {
    ASSERT_TRUE(fake.acceptHandshake(remoteAck(1), kWait));
    ASSERT_TRUE(fake.acceptSubscribe(kWait).has_value());
    fake.sendBatch(v1::LANE_EVENT, {newBlock(1, 1)});
    expectAck(fake, 1);  // handled: the lifecycle lane would overtake it
    fake.sendBatch(v1::LANE_LIFECYCLE, {lifecycle(v1::EVENT_TYPE_NODE_SHUTDOWN, 1)});
    fake.sendGoodbye("node shutdown");
    ASSERT_TRUE(fake.acceptHandshake(remoteAck(2), kWait)) << "no reconnection after Goodbye";
    ASSERT_TRUE(fake.acceptSubscribe(kWait).has_value());
    fake.sendBatch(v1::LANE_LIFECYCLE, {lifecycle(v1::EVENT_TYPE_NODE_SHUTDOWN, 1)});
    fake.sendBatch(v1::LANE_EVENT, {newBlock(1, 2)});
    expectAck(fake, 1);
    fake.dropConnection();  // a node that sends no Goodbye: its connection just ends
    ASSERT_TRUE(fake.acceptHandshake(remoteAck(3), kWait)) << "no reconnection after a loss";
    ASSERT_TRUE(fake.acceptSubscribe(kWait).has_value());
    fake.sendBatch(v1::LANE_EVENT, {newBlock(1, 3)});
    expectAck(fake, 1);
    fake.sendGoodbye("unloaded by operator");
    EXPECT_EQ(fake.receiveUntilGoodbye(kWait), "unloaded");
  });
  Module module = Module::connect(remote.options(node));
  std::vector<std::pair<std::uint64_t, std::string>> seen;  // (incarnation, what)
  module.on(v1::EVENT_TYPE_NODE_SHUTDOWN,
            [&](const Delivery&) { seen.emplace_back(module.incarnation(), "shutdown"); });
  module.on(v1::EVENT_TYPE_NEW_BLOCK, [&](const Delivery& d) {
    seen.emplace_back(module.incarnation(), std::to_string(d.event().new_block().height()));
  });
  EXPECT_EQ(module.run(), 0);
  node.join();
  const std::vector<std::pair<std::uint64_t, std::string>> expected{
      {1, "1"}, {1, "shutdown"}, {2, "shutdown"}, {2, "2"}, {3, "3"}};
  EXPECT_EQ(seen, expected);
}

TEST(ModuleReconnectTest, AFatalRefusalAtReconnectionEndsRunWithTwo) {
  Remote remote;
  FakeNodeThread node(remote.curve, [](FakeNode& fake) {
    ASSERT_TRUE(fake.acceptHandshake(remoteAck(1), kWait));
    ASSERT_TRUE(fake.acceptSubscribe(kWait).has_value());
    fake.dropConnection();
    ASSERT_TRUE(fake.refuseHandshake(v1::ERROR_CODE_PERMISSION_DENIED, kWait));
  });
  Module module = Module::connect(remote.options(node));
  EXPECT_EQ(module.run(), 2);
}

}  // namespace
}  // namespace plexus::sdk::test
