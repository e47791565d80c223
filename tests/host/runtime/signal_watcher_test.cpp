// SignalWatcher on a real loop: a blocked signal raised in this thread runs the handler on the
// loop with its number; the fd leaves the loop with the watcher. signalName() abbreviations.

#include "runtime/signal_watcher.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <vector>

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

// Blocks SIGUSR1 and SIGUSR2 in this thread for the test, then restores the mask.
class SignalWatcherTest : public ::testing::Test {
 protected:
  SignalWatcherTest() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    ::pthread_sigmask(SIG_BLOCK, &set, &m_saved);
  }
  ~SignalWatcherTest() override {
    // Nothing may stay pending: the default action would end the test run on unblocking.
    sigset_t pending;
    sigpending(&pending);
    EXPECT_FALSE(sigismember(&pending, SIGUSR1) || sigismember(&pending, SIGUSR2));
    ::pthread_sigmask(SIG_SETMASK, &m_saved, nullptr);
  }

 private:
  sigset_t m_saved{};
};

TEST_F(SignalWatcherTest, ARaisedSignalRunsTheHandlerOnTheLoop) {
  EventLoop loop;
  std::vector<int> seen;
  SignalWatcher watcher(loop, {SIGUSR1, SIGUSR2}, [&](int signal) {
    seen.push_back(signal);
    if (seen.size() == 2) loop.stop();
  });
  ASSERT_EQ(::raise(SIGUSR1), 0);  // pending for this thread: the signalfd reads it
  ASSERT_EQ(::raise(SIGUSR2), 0);
  loop.runAfter(5s, [&] { loop.stop(); });  // a deadline
  loop.run();
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<int>{SIGUSR1, SIGUSR2}));
}

TEST_F(SignalWatcherTest, SignalsItDoesNotWatchAreLeftAlone) {
  EventLoop loop;
  int handled = 0;
  {
    SignalWatcher watcher(loop, {SIGUSR1}, [&](int) { ++handled; });
    ASSERT_EQ(::raise(SIGUSR2), 0);
    loop.runAfter(20ms, [&] { loop.stop(); });
    loop.run();
  }
  EXPECT_EQ(handled, 0);
  // Consume the pending SIGUSR2 so it never reaches its default action.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  int signal = 0;
  ASSERT_EQ(sigwait(&set, &signal), 0);
  EXPECT_EQ(signal, SIGUSR2);
}

TEST(SignalNameTest, AbbreviationsAsInTheShutdownReason) {
  EXPECT_EQ(signalName(SIGINT), "INT");
  EXPECT_EQ(signalName(SIGTERM), "TERM");
}

}  // namespace
}  // namespace plexus::host
