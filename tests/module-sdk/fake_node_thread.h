#pragma once

// FakeNodeThread: a FakeNode (fake_node.h) on a thread of its own, scripted by an SDK test,
// with the helpers those scripts share (a HandshakeAck at a minor, a Response, events).
// Thread rule: the FakeNode lives and is used only on the thread this starts; the test's thread
// constructs and joins it and runs the module under test.

#include <gtest/gtest.h>
#include <plexus/sdk/module.h>
#include <plexus/v1/wire.pb.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <thread>

#include "fake_node.h"

namespace plexus::sdk::test {

// How long a script waits for each thing it expects from the module.
constexpr std::chrono::milliseconds kWait{10000};

// A HandshakeAck at `minor`: incarnation 1, capacities 100/10/4, and a heartbeat interval of a
// minute, so no heartbeat gets in the way of a script (and a wait the SDK should not make costs
// a minute, which the tests notice).
v1::HandshakeAck ackAt(std::uint32_t minor);
// A Response envelope with `correlationId` and no body.
v1::Envelope response(std::uint64_t correlationId);
// A NewBlock of `height` with sequence `seq`, journal offset `height` and `flags`.
FakeEvent newBlock(std::uint64_t seq, std::uint64_t height, std::uint32_t flags = 0);
// A host lifecycle event of `type` with sequence `seq`.
FakeEvent lifecycle(v1::EventType type, std::uint64_t seq);

// The node's thread: a FakeNode that accepts the handshake with `ack`, then runs `script`, then
// stays (its socket has no linger: closing it would drop its last answers) until join().
// The module connects with what options() yields. With a Curve, the FakeNode is remote (tcp://,
// CURVE; fake_node.h) and the script itself takes the handshake (which it may refuse).
class FakeNodeThread {
 public:
  template <class Script>
  FakeNodeThread(const v1::HandshakeAck& ack, Script script) {
    start([ack, script](FakeNode& node) mutable {
      if (node.acceptHandshake(ack, kWait)) {
        script(node);
      } else {
        ADD_FAILURE() << "no handshake";
      }
    });
  }
  template <class Script>
  FakeNodeThread(FakeNode::Curve curve, Script script) {
    start(std::move(script), std::move(curve));
  }
  ~FakeNodeThread() { join(); }
  FakeNodeThread(const FakeNodeThread&) = delete;
  FakeNodeThread& operator=(const FakeNodeThread&) = delete;
  const ConnectOptions& options() const { return m_options; }
  void join() {
    if (!m_thread.joinable()) return;
    m_done.set_value();
    m_thread.join();
  }

 private:
  template <class Script>
  void start(Script script, std::optional<FakeNode::Curve> curve = std::nullopt) {
    std::promise<ConnectOptions> ready;
    auto options = ready.get_future();
    m_thread = std::thread(
        [script, curve, ready = std::move(ready), done = m_done.get_future()]() mutable {
          auto node = curve ? std::make_unique<FakeNode>("remote", *curve)
                            : std::make_unique<FakeNode>("replayer");
          ready.set_value(node->options());
          script(*node);
          done.wait();
        });
    m_options = options.get();
  }
  std::promise<void> m_done;
  std::thread m_thread;
  ConnectOptions m_options;
};

}  // namespace plexus::sdk::test
