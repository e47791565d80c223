#include "supervision/incarnation_timer.h"

#include <utility>

namespace plexus::host {

IncarnationTimer::~IncarnationTimer() {
  cancel();
}

void IncarnationTimer::start(std::chrono::milliseconds delay, Timers::Callback callback) {
  PLEXUS_ASSERT_THREAD(m_thread);
  cancel();
  const std::uint64_t incarnation = m_incarnation;
  m_pending = m_timers.runAfter(delay, [this, incarnation, callback = std::move(callback)] {
    m_pending.reset();
    if (m_incarnation != incarnation) return;  // its incarnation is gone
    callback();
  });
}

void IncarnationTimer::cancel() {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (m_pending) m_timers.cancel(*m_pending);
  m_pending.reset();
}

}  // namespace plexus::host
