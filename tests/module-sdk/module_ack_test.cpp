// What the handshake tells a module about its node (Module::nodeName(): NodeInfo.name, empty
// from an older node), and Module::beforeAck(): the run() thread calls it before every ack it
// sends (the event lane's ack at half its window, the idle ack, the last acks at NodeShutdown),
// so an ack never covers an event handled after the function last returned. Against a FakeNode
// that records each Ack with what the function had let through when it arrived.

#include <gtest/gtest.h>
#include <plexus/sdk/module.h>

#include <atomic>
#include <string>
#include <vector>

#include "fake_node.h"
#include "fake_node_thread.h"
#include "plexus/ipc/protocol.h"

namespace plexus::sdk::test {
namespace {

TEST(ModuleNodeNameTest, TheNodesNameComesWithTheHandshake) {
  v1::HandshakeAck ack = ackAt(ipc::kProtocolMinor);
  ack.mutable_node()->set_name("dc1-a");
  FakeNodeThread node(ack, [](FakeNode& fake) { EXPECT_TRUE(fake.receiveUntilGoodbye(kWait)); });
  Module module = Module::connect(node.options());
  EXPECT_EQ(module.nodeName(), "dc1-a");
}

TEST(ModuleNodeNameTest, AnOlderNodeSendsNoName) {
  FakeNodeThread node(ackAt(ipc::kProtocolMinor),
                      [](FakeNode& fake) { EXPECT_TRUE(fake.receiveUntilGoodbye(kWait)); });
  Module module = Module::connect(node.options());
  EXPECT_EQ(module.nodeName(), "");
}

TEST(ModuleBeforeAckTest, EveryAckWaitsForTheFunction) {
  std::atomic<std::uint64_t> handled{0};
  std::atomic<std::uint64_t> settledThrough{0};  // what beforeAck let through, when last called
  std::atomic<int> settles{0};
  std::vector<std::uint64_t> acked;
  std::vector<std::uint64_t> settledWhenAcked;
  FakeNodeThread node(ackAt(ipc::kProtocolMinor), [&](FakeNode& fake) {
    ASSERT_TRUE(fake.acceptSubscribe(kWait).has_value());
    std::vector<FakeEvent> events;
    for (std::uint64_t seq = 1; seq <= 60; ++seq)
      events.push_back(newBlock(seq, 1000 + seq));
    fake.sendBatch(v1::LANE_EVENT, events);  // capacity 100: an ack at 50, then the idle one
    auto record = [&](const v1::Envelope& envelope) {
      if (!envelope.has_ack()) return;
      acked.push_back(envelope.ack().through_seq());
      settledWhenAcked.push_back(settledThrough.load());
    };
    while (acked.empty() || acked.back() < 60) {
      auto envelope = fake.receive(kWait);
      ASSERT_TRUE(envelope.has_value()) << "acks so far: " << acked.size();
      record(*envelope);
    }
    fake.sendBatch(v1::LANE_EVENT, {newBlock(61, 1061)});
    fake.sendBatch(v1::LANE_LIFECYCLE, {lifecycle(v1::EVENT_TYPE_NODE_SHUTDOWN, 1)});
    ASSERT_TRUE(fake.receiveUntilGoodbye(kWait, record).has_value());
  });
  Module module = Module::connect(node.options());
  module.on(v1::EVENT_TYPE_NEW_BLOCK, [&](const Delivery&) { ++handled; });
  module.on(v1::EVENT_TYPE_NODE_SHUTDOWN, [](const Delivery&) {});
  module.beforeAck([&] {
    ++settles;
    settledThrough = handled.load();
  });
  EXPECT_EQ(module.run(), 0);
  node.join();
  ASSERT_EQ(acked, (std::vector<std::uint64_t>{50, 60, 61}));
  EXPECT_EQ(settledWhenAcked, acked) << "each ack came after the function let its events through";
  EXPECT_EQ(settles.load(), 3);
}

}  // namespace
}  // namespace plexus::sdk::test
