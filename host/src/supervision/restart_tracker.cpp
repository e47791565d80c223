#include "supervision/restart_tracker.h"

#include <algorithm>

namespace plexus::host {

std::optional<RestartTracker::Millis> RestartTracker::onExit(Clock::time_point now, bool crashed,
                                                             std::optional<Millis> readyFor) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (readyFor && *readyFor >= m_policy.stableAfter) m_nextBackoff = m_policy.initialBackoff;
  if (crashed) {
    m_crashes.push_back(now);
    while (!m_crashes.empty() && now - m_crashes.front() > m_policy.crashWindow) {
      m_crashes.pop_front();
    }
    if (m_policy.crashLimit > 0 && m_crashes.size() >= m_policy.crashLimit) return std::nullopt;
  }
  Millis delay = m_nextBackoff;
  m_nextBackoff = std::min(m_nextBackoff * 2, m_policy.maxBackoff);
  return delay;
}

void RestartTracker::reset() {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_nextBackoff = m_policy.initialBackoff;
  m_crashes.clear();
}

}  // namespace plexus::host
