// ModuleServer over a real EventManager and Journal (docs/design.md "Relayed duplicates"): a
// relayed publish of a type a durable module subscribes to waits for room in the journal; when
// the journal makes none within the block timeout, nothing was published, so the relay is
// answered TIMEOUT with no report attached (a report means the node took the event) and the
// origin offset is released: the relay's retry is routed and journaled, not answered
// `duplicate` (which would have lost the event: the bridge acks a duplicate to JetStream). The
// same offset published again while the first still waits is answered UNAVAILABLE (retry).

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "delivery/durable_fixture.h"
#include "delivery/event_factory.h"
#include "fakes/held_journal.h"
#include "module_server_fixture.h"

namespace plexus::host::module_link_test {
namespace {

class ModuleServerJournalWaitTest : public ::testing::Test {
 protected:
  ModuleServerJournalWaitTest() {
    m_journal = heldJournal(m_store, 2);
    EventManager::Options options;
    options.nodeName = "node-a";
    options.journal = m_journal.get();
    options.steadyNow = [this] { return m_now; };
    m_em = std::make_unique<EventManager>(m_transport, options);
    m_registry = std::make_unique<FakeRegistry>(*m_em);
    m_server =
        std::make_unique<ModuleServer>(m_transport, *m_em, *m_registry, ModuleServer::Limits());

    m_em->attach(durableAttachment("d", 1, 100));  // a durable module, following live
    EXPECT_TRUE(m_em->subscribe("d", std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());

    v1::ModuleConfig relay;
    relay.set_name("bridge");
    relay.mutable_capabilities()->add_publish(v1::EVENT_TYPE_NEW_BLOCK);
    relay.mutable_capabilities()->set_relay(true);
    m_registry->configs["bridge"] = relay;
    m_registry->running.insert("bridge");
    send(handshakeEnvelope("bridge"));
    send(subscribeEnvelope({}));
  }
  ~ModuleServerJournalWaitTest() override {
    m_store->hold(false);
    m_server.reset();
    m_em.reset();
    m_journal->stop();
  }

  void send(const v1::Envelope& envelope) {
    std::vector<zmq::message_t> frames;
    frames.push_back(ipc::encodeEnvelope(envelope));
    m_server->handle("bridge", "bridge", frames, 0);
  }
  std::size_t replies() const { return m_transport.envelopesTo("bridge").size(); }
  v1::Envelope lastReply() const { return m_transport.envelopesTo("bridge").back(); }

  // The host's own NewBlock (it never waits): 1 is held in the store's append, 2 and 3 fill
  // the writer's queue of 2.
  void fillTheJournal() {
    m_store->hold(true);
    auto publishHost = [&](std::uint64_t height) {
      (void)m_em->publish(v1::EVENT_TYPE_NEW_BLOCK, serializeEvent(newBlock(height)), {});
    };
    publishHost(1);
    ASSERT_TRUE(m_store->waitUntilHolding(std::chrono::seconds(10)));
    publishHost(2);
    publishHost(3);
  }

  // Serves the journal's notices as the node's loop does until `done`; false after 10 s.
  bool serveUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      if (m_journal->notices().mayHaveItems()) {
        m_journal->onNotices();
        m_em->onJournalRoom();
      } else {
        std::this_thread::yield();
      }
    }
    return true;
  }

  static v1::Event relayed(std::uint64_t offset) {
    v1::Event event = newBlock(100 + offset);
    event.mutable_origin()->set_node("node-b");
    event.mutable_origin()->set_module("chainsim");
    event.mutable_origin()->set_offset(offset);
    return event;
  }

  SteadyClock::time_point m_now = SteadyClock::now();
  FakeTransport m_transport;
  FailingJournal* m_store = nullptr;
  std::unique_ptr<Journal> m_journal;
  std::unique_ptr<EventManager> m_em;
  std::unique_ptr<FakeRegistry> m_registry;
  std::unique_ptr<ModuleServer> m_server;
};

TEST_F(ModuleServerJournalWaitTest, ARelayedPublishTheJournalHadNoRoomForIsNotTakenAndItsRetryIs) {
  fillTheJournal();
  const std::size_t before = replies();
  send(publishEnvelope(1, relayed(42)));
  EXPECT_EQ(replies(), before) << "it waits for room in the journal";
  // The same offset again meanwhile (a restarted bridge): its fate is not known yet.
  send(publishEnvelope(9, relayed(42)));
  ASSERT_EQ(replies(), before + 1);
  const v1::Envelope meanwhile = lastReply();
  ASSERT_TRUE(meanwhile.has_error()) << meanwhile.DebugString();
  EXPECT_EQ(meanwhile.error().correlation_id(), 9u);
  EXPECT_EQ(meanwhile.error().code(), v1::ERROR_CODE_UNAVAILABLE);
  EXPECT_FALSE(meanwhile.error().has_publish());
  EXPECT_NE(meanwhile.error().message().find("still being published"), std::string::npos)
      << meanwhile.error().message();
  ASSERT_TRUE(m_em->nextDeadline().has_value());
  m_now = *m_em->nextDeadline();
  m_em->expire();

  ASSERT_EQ(replies(), before + 2);
  const v1::Envelope timedOut = lastReply();
  ASSERT_TRUE(timedOut.has_error()) << timedOut.DebugString();
  EXPECT_EQ(timedOut.error().correlation_id(), 1u);
  EXPECT_EQ(timedOut.error().code(), v1::ERROR_CODE_TIMEOUT);
  EXPECT_FALSE(timedOut.error().has_publish()) << "a report would say the node took it";
  EXPECT_NE(timedOut.error().message().find("not published"), std::string::npos)
      << timedOut.error().message();
  EXPECT_NE(timedOut.error().message().find("durable subscriber(s): d"), std::string::npos)
      << timedOut.error().message();
  EXPECT_EQ(m_server->relayedDuplicates(), 0u);

  // The journal makes room; the bridge publishes the same origin offset again.
  m_store->hold(false);
  ASSERT_TRUE(serveUntil([&] { return m_journal->status().journaled >= 3; }));
  send(publishEnvelope(2, relayed(42)));
  ASSERT_TRUE(serveUntil([&] { return replies() == before + 3; }));
  const v1::Envelope retried = lastReply();
  ASSERT_TRUE(retried.has_response()) << retried.DebugString();
  EXPECT_EQ(retried.response().correlation_id(), 2u);
  EXPECT_FALSE(retried.response().publish().duplicate()) << "the first published nothing";
  EXPECT_EQ(retried.response().publish().accepted(), 1u);
  ASSERT_TRUE(serveUntil([&] { return m_journal->status().journaled == 4; }));

  // Published this time: taken, so a third time is a duplicate.
  send(publishEnvelope(3, relayed(42)));
  ASSERT_EQ(replies(), before + 4);
  EXPECT_TRUE(lastReply().response().publish().duplicate()) << lastReply().DebugString();
  EXPECT_EQ(m_server->relayedDuplicates(), 1u);
}

}  // namespace
}  // namespace plexus::host::module_link_test
