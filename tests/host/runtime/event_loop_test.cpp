// EventLoop: timers in deadline order and cancellable, post()/stop() from other threads, fd
// watches, removal of a watch by an earlier callback of the same iteration, and after-hooks
// (which also bound the poll timeout); the same loop through its Timers interface; its thread
// rule (where checks are compiled in). A loop that fails to stop is caught by a deadline, not
// by hanging the test.

#include "runtime/event_loop.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace plexus::host {
namespace {

using namespace std::chrono_literals;
using Clock = EventLoop::Clock;

// An eventfd that closes itself.
struct EventFd {
  EventFd() : fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (fd < 0) throw std::runtime_error("eventfd");
  }
  ~EventFd() { ::close(fd); }
  void signal() const {
    std::uint64_t one = 1;
    EXPECT_EQ(::write(fd, &one, sizeof one), static_cast<ssize_t>(sizeof one));
  }
  void consume() const {
    std::uint64_t value = 0;
    EXPECT_EQ(::read(fd, &value, sizeof value), static_cast<ssize_t>(sizeof value));
  }
  int fd;
};

// Runs loop.run() on its own thread; true if it returned within 10 s. A loop that does not
// return is stopped so the test fails instead of hanging.
bool runsToCompletion(EventLoop& loop, std::thread::id* runner = nullptr) {
  std::promise<std::thread::id> done;
  auto finished = done.get_future();
  std::thread thread([&] {
    loop.run();
    done.set_value(std::this_thread::get_id());
  });
  const bool ok = finished.wait_for(10s) == std::future_status::ready;
  if (!ok) loop.stop();
  thread.join();
  if (runner != nullptr) *runner = finished.get();
  return ok;
}

TEST(EventLoopTest, TimersRunInDeadlineOrder) {
  EventLoop loop;
  std::vector<int> order;
  const auto base = Clock::now();
  loop.runAt(base + 30ms, [&] { order.push_back(3); });
  loop.runAt(base + 10ms, [&] { order.push_back(1); });
  loop.runAt(base + 40ms, [&] { loop.stop(); });
  loop.runAt(base + 20ms, [&] { order.push_back(2); });
  loop.runAt(base + 10ms, [&] { order.push_back(11); });  // same deadline: insertion order
  loop.runAt(base - 1s, [&] { order.push_back(0); });     // already due
  ASSERT_TRUE(runsToCompletion(loop));
  EXPECT_EQ(order, (std::vector<int>{0, 1, 11, 2, 3}));
  EXPECT_GE(Clock::now(), base + 40ms);
}

TEST(EventLoopTest, TimerFiresNotBeforeItsDeadline) {
  EventLoop loop;
  const auto start = Clock::now();
  Clock::time_point firedAt{};
  loop.runAfter(30ms, [&] {
    firedAt = Clock::now();
    loop.stop();
  });
  ASSERT_TRUE(runsToCompletion(loop));
  EXPECT_GE(firedAt - start, 30ms);
}

TEST(EventLoopTest, CancelledTimerNeverRuns) {
  EventLoop loop;
  bool cancelledRan = false;
  bool keptRan = false;
  auto cancelled = loop.runAfter(5ms, [&] { cancelledRan = true; });
  loop.runAfter(5ms, [&] { keptRan = true; });  // same deadline as the cancelled one
  loop.runAfter(30ms, [&] { loop.stop(); });
  loop.cancel(cancelled);
  loop.cancel(cancelled);  // twice is harmless
  loop.cancel(987654);     // unknown id is harmless
  ASSERT_TRUE(runsToCompletion(loop));
  EXPECT_FALSE(cancelledRan);
  EXPECT_TRUE(keptRan);
}

TEST(EventLoopTest, TimerCanCancelALaterTimer) {
  EventLoop loop;
  bool laterRan = false;
  auto later = loop.runAfter(20ms, [&] { laterRan = true; });
  loop.runAfter(5ms, [&] { loop.cancel(later); });
  loop.runAfter(40ms, [&] { loop.stop(); });
  ASSERT_TRUE(runsToCompletion(loop));
  EXPECT_FALSE(laterRan);
}

TEST(EventLoopTest, PostFromAnotherThreadRunsOnTheLoopThread) {
  EventLoop loop;
  std::thread::id ranOn;
  std::thread::id posterId;
  std::thread poster([&] {
    posterId = std::this_thread::get_id();
    EXPECT_TRUE(loop.post([&] {
      ranOn = std::this_thread::get_id();
      loop.stop();
    }));
  });
  std::thread::id runner;
  ASSERT_TRUE(runsToCompletion(loop, &runner));
  poster.join();
  EXPECT_EQ(ranOn, runner);
  EXPECT_NE(ranOn, posterId);
  EXPECT_NE(ranOn, std::this_thread::get_id());
}

TEST(EventLoopTest, PostedTasksRunInOrder) {
  EventLoop loop;
  std::vector<int> order;
  for (int i = 0; i < 5; ++i)
    loop.post([&order, i] { order.push_back(i); });
  loop.post([&] { loop.stop(); });
  ASSERT_TRUE(runsToCompletion(loop));
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(EventLoopTest, StopFromAnotherThreadEndsRun) {
  EventLoop loop;
  std::promise<void> running;
  // Proves the loop is inside run() (blocked in poll, nothing else to do) before stopping it.
  loop.post([&] { running.set_value(); });
  std::thread stopper([&] {
    running.get_future().wait();
    EXPECT_FALSE(loop.stopping());
    loop.stop();
  });
  ASSERT_TRUE(runsToCompletion(loop));
  stopper.join();
  EXPECT_TRUE(loop.stopping());
}

TEST(EventLoopTest, FdWatchRunsWhenReadable) {
  EventLoop loop;
  EventFd efd;
  int calls = 0;
  std::thread::id ranOn;
  loop.addFd(efd.fd, [&] {
    efd.consume();
    ++calls;
    ranOn = std::this_thread::get_id();
    loop.stop();
  });
  // Nothing readable at first: the watch must not fire until a timer signals the fd.
  bool signalled = false;
  loop.runAfter(10ms, [&] {
    EXPECT_EQ(calls, 0);
    signalled = true;
    efd.signal();
  });
  std::thread::id runner;
  ASSERT_TRUE(runsToCompletion(loop, &runner));
  EXPECT_TRUE(signalled);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(ranOn, runner);
}

TEST(EventLoopTest, RemovedFdIsNoLongerWatched) {
  EventLoop loop;
  EventFd efd;
  int calls = 0;
  loop.addFd(efd.fd, [&] { ++calls; });  // never consumes: would fire on every iteration
  loop.removeFd(efd.fd);
  efd.signal();
  loop.runAfter(20ms, [&] { loop.stop(); });
  ASSERT_TRUE(runsToCompletion(loop));
  EXPECT_EQ(calls, 0);
}

TEST(EventLoopTest, WatchRemovedByAnEarlierCallbackInTheSameIterationIsNotCalled) {
  EventLoop loop;
  EventFd first;
  EventFd second;
  int firstCalls = 0;
  int secondCalls = 0;
  loop.addFd(first.fd, [&] {
    ++firstCalls;
    first.consume();
    loop.removeFd(second.fd);
    loop.stop();  // ends the loop after this iteration
  });
  loop.addFd(second.fd, [&] {
    ++secondCalls;
    second.consume();
  });
  // Both readable before the first poll, so both are ready in the same iteration.
  first.signal();
  second.signal();
  ASSERT_TRUE(runsToCompletion(loop));
  EXPECT_EQ(firstCalls, 1);
  EXPECT_EQ(secondCalls, 0);
}

// Level-triggered, as poll(2) was: a readable fd its callback does not read is served again on
// the next iteration; and a removed fd that comes back under a new watch gets only the new
// callback.
TEST(EventLoopTest, AnUnreadFdIsServedAgainAndAReAddedFdCallsOnlyItsNewWatch) {
  EventLoop loop;
  EventFd efd;
  int oldCalls = 0;
  int newCalls = 0;
  loop.addFd(efd.fd, [&] {
    if (++oldCalls < 3) return;  // left readable twice: served again each time
    loop.removeFd(efd.fd);
    loop.addFd(efd.fd, [&] {
      ++newCalls;
      efd.consume();
      loop.stop();
    });
  });
  efd.signal();
  ASSERT_TRUE(runsToCompletion(loop));
  EXPECT_EQ(oldCalls, 3);
  EXPECT_EQ(newCalls, 1);
}

// Two watches on one fd are a caller's mistake, refused where it is made.
TEST(EventLoopTest, WatchingAnFdTwiceIsRefused) {
  EventLoop loop;
  EventFd efd;
  loop.addFd(efd.fd, [] {});
  EXPECT_THROW(loop.addFd(efd.fd, [] {}), std::system_error);
  EXPECT_THROW(loop.addFd(-1, [] {}), std::system_error);
}

TEST(EventLoopTest, AfterHooksRunAfterEachIteration) {
  EventLoop loop;
  std::vector<std::string> log;
  loop.addAfterHook([&] { log.emplace_back("hook"); });
  loop.runAfter(5ms, [&] {
    log.emplace_back("t1");
    loop.runAfter(5ms, [&] {
      log.emplace_back("t2");
      loop.stop();
    });
  });
  ASSERT_TRUE(runsToCompletion(loop));
  // Whatever the number of idle wake-ups, each timer is followed by a hook before the next
  // work, and the last iteration ends with the hook too.
  ASSERT_GE(log.size(), 4u);
  EXPECT_EQ(log.back(), "hook");
  auto t1 = std::find(log.begin(), log.end(), "t1");
  auto t2 = std::find(log.begin(), log.end(), "t2");
  ASSERT_NE(t1, log.end());
  ASSERT_NE(t2, log.end());
  EXPECT_EQ(*(t1 + 1), "hook");
  EXPECT_EQ(*(t2 + 1), "hook");
}

TEST(EventLoopTest, AfterHookDeadlineShortensThePollTimeout) {
  EventLoop loop;
  const auto deadline = Clock::now() + 50ms;
  int hookRuns = 0;
  Clock::time_point stoppedAt{};
  // No timers and no readable fds: without the hook's deadline the poll would wait forever.
  loop.addAfterHook(
      [&] {
        ++hookRuns;
        if (Clock::now() >= deadline && !loop.stopping()) {
          stoppedAt = Clock::now();
          loop.stop();
        }
      },
      [&]() -> std::optional<Clock::time_point> { return deadline; });
  // A hook without a deadline does not make the loop spin.
  int otherRuns = 0;
  loop.addAfterHook([&] { ++otherRuns; }, [] { return std::optional<Clock::time_point>(); });
  ASSERT_TRUE(runsToCompletion(loop));
  EXPECT_GE(stoppedAt, deadline);
  EXPECT_GE(hookRuns, 1);
  EXPECT_EQ(otherRuns, hookRuns);
}

TEST(EventLoopTest, TimersInterfaceRunsOnTheLoopsClock) {
  EventLoop loop;
  Timers& timers = loop;
  const auto before = Clock::now();
  const auto read = timers.now();
  const auto after = Clock::now();
  EXPECT_GE(read, before);
  EXPECT_LE(read, after);
  std::vector<std::string> order;
  Clock::time_point firedAt{};
  const auto start = timers.now();
  timers.runAfter(20ms, [&] {
    firedAt = timers.now();
    order.emplace_back("timer");
    timers.post([&] {
      order.emplace_back("posted");
      loop.stop();
    });
  });
  auto cancelled = timers.runAfter(5ms, [&] { order.emplace_back("cancelled"); });
  timers.cancel(cancelled);
  ASSERT_TRUE(runsToCompletion(loop));
  EXPECT_EQ(order, (std::vector<std::string>{"timer", "posted"}));
  EXPECT_GE(firedAt - start, 20ms);
}

TEST(EventLoopTest, TheThreadThatRunsTheLoopOwnsIt) {
  EventLoop loop;  // set up here, run on another thread: handed over
  std::thread::id timerRanOn;
  loop.runAfter(1ms, [&] {
    timerRanOn = std::this_thread::get_id();
    loop.runAfter(1ms, [&] { loop.stop(); });  // the loop thread may use it
  });
  std::thread::id runner;
  ASSERT_TRUE(runsToCompletion(loop, &runner));
  EXPECT_EQ(timerRanOn, runner);
}

#if defined(PLEXUS_THREAD_CHECKS) && PLEXUS_THREAD_CHECKS
TEST(EventLoopDeathTest, LoopOnlyMethodsAbortOffTheLoopThread) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        EventLoop loop;
        std::promise<void> running;
        loop.post([&] { running.set_value(); });
        std::thread runner([&] { loop.run(); });
        running.get_future().wait();
        loop.runAfter(1ms, [] {});  // not the loop thread
        loop.stop();
        runner.join();
      },
      "thread rule broken");
}
#endif

}  // namespace
}  // namespace plexus::host
