// EventLoop pauses: time the loop did not run (the node stopped with SIGSTOP, a suspended VM, a
// debugger) is taken out of now(), the Timers clock, and opens the grace (graceUntil). The real
// clock the loop measures against is faked here: a "pause" moves it forward at once, whether the
// loop is inside a callback or asleep in poll(2) (then the pause is what exceeds the poll's
// timeout). A normal iteration is never a pause.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "runtime/event_loop.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;
using Clock = EventLoop::Clock;

// The real steady clock plus the pauses the test injected.
struct PausableClock {
  std::atomic<std::int64_t> pausedNs{0};
  Clock::time_point operator()() const {
    return Clock::now() + std::chrono::nanoseconds(pausedNs.load());
  }
  void pause(std::chrono::milliseconds length) {
    pausedNs += std::chrono::duration_cast<std::chrono::nanoseconds>(length).count();
  }
};

TEST(EventLoopPauseTest, APauseInsideACallbackDoesNotCountAndOpensTheGrace) {
  PausableClock clock;
  EventLoop loop([&] { return clock(); });
  loop.setResumeGrace(300ms);
  const auto start = loop.now();
  bool judged = false;
  loop.runAfter(2s, [&] { judged = true; });  // e.g. a dead timeout
  Clock::duration ranFor{};
  bool graceAfter = false;
  bool paused = false;
  loop.post([&] {
    clock.pause(5s);  // stopped in the middle of a callback
    paused = true;
  });
  loop.addAfterHook([&] {  // after the iteration's checkpoints
    if (!paused) return;
    ranFor = loop.now() - start;
    graceAfter = loop.inGrace();
    loop.stop();
  });
  loop.runAfter(10s, [&] { loop.stop(); });  // a deadline (of run time)
  loop.run();
  EXPECT_FALSE(judged) << "the 5 s pause counted towards a 2 s timer";
  EXPECT_LT(ranFor, 1s);
  EXPECT_TRUE(graceAfter);
  EXPECT_GE(loop.pausedTotal(), 5s);
  EXPECT_LT(loop.pausedTotal(), 6s);
}

TEST(EventLoopPauseTest, APauseWhileAsleepInPollIsDetectedToo) {
  PausableClock clock;
  EventLoop loop([&] { return clock(); });
  std::promise<void> running;
  loop.post([&] { running.set_value(); });
  Clock::time_point resumedAt{};
  std::thread pauser([&] {
    running.get_future().wait();
    clock.pause(3s);  // the loop sleeps in poll, or is about to
    loop.post([&] {
      resumedAt = loop.now();
      loop.stop();
    });
  });
  const auto start = loop.now();
  std::function<void()> tick = [&] { loop.runAfter(50ms, tick); };  // like the liveness check
  tick();
  loop.runAfter(20s, [&] { loop.stop(); });  // a deadline
  loop.run();
  pauser.join();
  EXPECT_GE(loop.pausedTotal(), 3s - 50ms);  // beyond the poll's timeout
  EXPECT_LT(resumedAt - start, 2s);
}

TEST(EventLoopPauseTest, OrdinaryIterationsAreNoPause) {
  EventLoop loop;
  int ticks = 0;
  std::function<void()> tick = [&] {
    if (++ticks == 20) return loop.stop();
    loop.runAfter(5ms, tick);
  };
  loop.runAfter(5ms, tick);
  loop.run();
  EXPECT_EQ(loop.pausedTotal(), Clock::duration::zero());
  EXPECT_FALSE(loop.inGrace());
}

}  // namespace
}  // namespace plexus::host
