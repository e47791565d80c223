// ServiceWatchdog with fake time: WATCHDOG=1 at once and then every half watchdog interval for
// as long as the loop runs its timers; nothing without a watchdog; nothing after destruction.

#include "services/service_watchdog.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "fakes/recording_notifier.h"
#include "runtime/fake_timers.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

std::size_t pings(const fakes::RecordingNotifier& notifier) {
  return static_cast<std::size_t>(
      std::count(notifier.messages.begin(), notifier.messages.end(), "WATCHDOG=1"));
}

TEST(ServiceWatchdogTest, PingsEveryHalfInterval) {
  FakeTimers timers;
  fakes::RecordingNotifier notifier;
  notifier.watchdog = 2s;
  {
    ServiceWatchdog watchdog(timers, notifier);
    watchdog.start();
    EXPECT_EQ(pings(notifier), 1u);
    timers.advance(999ms);
    EXPECT_EQ(pings(notifier), 1u);
    timers.advance(1ms);
    EXPECT_EQ(pings(notifier), 2u);
    timers.advance(10s);
    EXPECT_EQ(pings(notifier), 12u);
    watchdog.start();  // a second start changes nothing
    EXPECT_EQ(pings(notifier), 12u);
  }
  timers.advance(10s);
  EXPECT_EQ(pings(notifier), 12u) << "destroyed: no timer left behind";
}

TEST(ServiceWatchdogTest, WithoutAWatchdogNothingIsSent) {
  FakeTimers timers;
  fakes::RecordingNotifier notifier;  // watchdog unset: no WatchdogSec=
  ServiceWatchdog watchdog(timers, notifier);
  watchdog.start();
  timers.advance(60s);
  EXPECT_TRUE(notifier.messages.empty());
}

}  // namespace
}  // namespace plexus::host
