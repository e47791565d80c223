#pragma once

// RestartTracker: when (and whether) to restart a module after it exits.
// - Exponential backoff: initial, doubling, capped at max.
// - The backoff resets only after an incarnation stayed ready for `stableAfter` (a module that
//   crashes right after becoming ready keeps backing off).
// - Crash-rate limit: `crashLimit` crashes within `crashWindow` -> give up (state failed).
// Thread rule: owned by the supervisor (loop thread). Pure logic: time is passed in.

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>

#include "plexus/ipc/thread_checker.h"

namespace plexus::host {

class RestartTracker {
 public:
  using Clock = std::chrono::steady_clock;
  using Millis = std::chrono::milliseconds;

  struct Policy {
    Millis initialBackoff{1000};
    Millis maxBackoff{30000};
    std::uint32_t crashLimit = 3;
    Millis crashWindow{300000};
    Millis stableAfter{10000};
  };

  explicit RestartTracker(Policy policy) : m_policy(policy), m_nextBackoff(policy.initialBackoff) {}

  // The incarnation that just ended had been ready for `readyFor` (nullopt: never ready).
  // Records a crash (if `crashed`) and returns the delay before the next start, or nullopt when
  // the crash-rate limit says stop trying.
  std::optional<Millis> onExit(Clock::time_point now, bool crashed, std::optional<Millis> readyFor);

  // An operator start: forget the crash history and the backoff.
  void reset();

  std::size_t recentCrashes() const {
    PLEXUS_ASSERT_THREAD(m_thread);
    return m_crashes.size();
  }
  Millis nextBackoff() const {
    PLEXUS_ASSERT_THREAD(m_thread);
    return m_nextBackoff;
  }

 private:
  Policy m_policy;
  Millis m_nextBackoff;
  std::deque<Clock::time_point> m_crashes;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
