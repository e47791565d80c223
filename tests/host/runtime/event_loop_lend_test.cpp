// EventLoop::runIfAsleep (LoopLender): a loop blocked in its wait lends itself to another
// thread, which runs the work and the after hooks as the loop (the loop's thread checks pass
// there); lent work that throws gives the token back; a loop that is not running, the loop
// thread itself and a thread already inside lent work are refused; a deadline the lent work set
// earlier than the loop's wakes the loop, and lent work that leaves the deadlines alone does not;
// a socket the lent work touched, with input waiting, is
// served by the loop. Every wait has a deadline.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>
#include <zmq.hpp>

#include "runtime/event_loop.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

// Runs the loop on a thread of its own until destroyed.
class RunningLoop {
 public:
  explicit RunningLoop(EventLoop& loop) : m_loop(loop), m_thread([&loop] { loop.run(); }) {}
  ~RunningLoop() {
    m_loop.stop();
    m_thread.join();
  }
  std::thread::id id() const { return m_thread.get_id(); }

 private:
  EventLoop& m_loop;
  std::thread m_thread;
};

// Lends `work` once the loop sleeps; false if it never did within 5 s.
bool lendWithin(EventLoop& loop, const std::function<void()>& work) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!loop.runIfAsleep(work)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(EventLoopLendTest, ALoopThatIsNotRunningLendsNothing) {
  EventLoop loop;
  bool ran = false;
  EXPECT_FALSE(loop.runIfAsleep([&] { ran = true; }));
  EXPECT_FALSE(ran);
}

TEST(EventLoopLendTest, ASleepingLoopRunsTheWorkAndItsHooksOnTheBorrowingThread) {
  EventLoop loop;
  ThreadChecker owned;  // an object of the loop's
  std::atomic<std::thread::id> hookRanOn{};
  std::promise<void> bound;
  loop.addAfterHook([&] { hookRanOn = std::this_thread::get_id(); });
  loop.post([&] {
    EXPECT_TRUE(owned.onBoundThread());  // binds it to the loop thread
    bound.set_value();
  });
  RunningLoop running(loop);
  ASSERT_EQ(bound.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(owned.onBoundThread()) << "this thread is not the loop's";

  std::thread::id workRanOn;
  bool ownedPassed = false;
  ASSERT_TRUE(lendWithin(loop, [&] {
    workRanOn = std::this_thread::get_id();
    ownedPassed = owned.onBoundThread();
  }));
  EXPECT_EQ(workRanOn, std::this_thread::get_id());
  EXPECT_TRUE(ownedPassed) << "inside lent work, the loop's thread checks pass";
  EXPECT_EQ(hookRanOn.load(), std::this_thread::get_id()) << "the after hooks ran there too";
  EXPECT_FALSE(owned.onBoundThread()) << "and only there";
}

TEST(EventLoopLendTest, TheLoopThreadAndNestedLendsAreRefused) {
  EventLoop loop;
  RunningLoop running(loop);
  std::promise<bool> fromLoop;
  loop.post([&] { fromLoop.set_value(loop.runIfAsleep([] {})); });
  auto answer = fromLoop.get_future();
  ASSERT_EQ(answer.wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(answer.get()) << "the loop thread holds its own token";

  bool nested = true;
  ASSERT_TRUE(lendWithin(loop, [&] { nested = loop.runIfAsleep([] {}); }));
  EXPECT_FALSE(nested);
}

TEST(EventLoopLendTest, LentWorkThatThrowsGivesTheTokenBack) {
  EventLoop loop;
  RunningLoop running(loop);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  bool threw = false;
  while (!threw && std::chrono::steady_clock::now() < deadline) {
    try {
      loop.runIfAsleep([] { throw std::runtime_error("lent work failed"); });
      std::this_thread::yield();  // the loop was awake: try again
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "lent work failed");
      threw = true;
    }
  }
  ASSERT_TRUE(threw) << "the loop never slept";
  bool ran = false;
  ASSERT_TRUE(lendWithin(loop, [&] { ran = true; })) << "the token was given back";
  EXPECT_TRUE(ran);
  std::promise<void> served;
  loop.post([&] { served.set_value(); });
  EXPECT_EQ(served.get_future().wait_for(5s), std::future_status::ready) << "the loop runs on";
}

TEST(EventLoopLendTest, ADeadlineSetByLentWorkWakesTheLoop) {
  EventLoop loop;  // no timers: it sleeps without a timeout
  RunningLoop running(loop);
  std::promise<std::thread::id> fired;
  ASSERT_TRUE(lendWithin(
      loop, [&] { loop.runAfter(1ms, [&] { fired.set_value(std::this_thread::get_id()); }); }));
  auto firedOn = fired.get_future();
  ASSERT_EQ(firedOn.wait_for(5s), std::future_status::ready) << "the sleeping loop was woken";
  EXPECT_EQ(firedOn.get(), running.id());
}

// The loop sleeps until its next timer; lent work that leaves the deadlines as they were must not
// wake it (the deadline the loop computed its wait for is compared, not that wait rounded up to
// whole milliseconds), and lent work that sets an earlier one must.
TEST(EventLoopLendTest, LentWorkThatLeavesTheDeadlinesAsTheyWereDoesNotWakeTheLoop) {
  EventLoop loop;
  loop.runAfter(10min, [] {});
  RunningLoop running(loop);
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(lendWithin(loop, [] {}));
  EXPECT_EQ(loop.lentWakeups(), 0u);
  std::promise<void> fired;
  ASSERT_TRUE(lendWithin(loop, [&] { loop.runAfter(1ms, [&] { fired.set_value(); }); }));
  EXPECT_EQ(loop.lentWakeups(), 1u);
  EXPECT_EQ(fired.get_future().wait_for(5s), std::future_status::ready);
}

TEST(EventLoopLendTest, ASocketTouchedByLentWorkWithInputWaitingIsServed) {
  zmq::context_t context;
  zmq::socket_t served(context, zmq::socket_type::pair);
  zmq::socket_t peer(context, zmq::socket_type::pair);
  served.bind("inproc://lend");
  peer.connect("inproc://lend");
  EventLoop loop;
  std::promise<std::string> received;
  loop.addSocket(served, [&] {
    zmq::message_t message;
    while (served.recv(message, zmq::recv_flags::dontwait))
      received.set_value(message.to_string());
  });
  RunningLoop running(loop);
  ASSERT_TRUE(lendWithin(loop, [&] {
    ASSERT_TRUE(peer.send(zmq::str_buffer("ping"), zmq::send_flags::dontwait));
    // Using the socket here reads its wake-up signal, as a send does: the loop must not sleep
    // through the message.
    EXPECT_TRUE((served.get(zmq::sockopt::events) & ZMQ_POLLIN) != 0);
    loop.touch(served);
  }));
  auto message = received.get_future();
  ASSERT_EQ(message.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(message.get(), "ping");
}

}  // namespace
}  // namespace plexus::host
