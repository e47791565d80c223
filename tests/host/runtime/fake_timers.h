#pragma once

// FakeTimers: Timers whose time moves only when a test says so. advance() runs every timer that
// falls due on the way, each at its own deadline (now() reads the deadline inside its callback),
// in deadline order, then same-deadline timers in the order they were set; posted tasks run
// before the next timer and at the end of every advance() or runPosted().

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <utility>

#include "runtime/timers.h"

namespace plexus::host {

class FakeTimers final : public Timers {
 public:
  Clock::time_point now() const override { return m_now; }
  Clock::time_point graceUntil() const override { return m_graceUntil; }

  // The node was paused and now resumes: its run time (now()) did not move meanwhile, and the
  // modules get `grace` to be heard.
  void resumeAfterPause(std::chrono::milliseconds grace) { m_graceUntil = m_now + grace; }

  TimerId runAt(Clock::time_point when, Callback callback) override {
    const TimerId id = m_nextId++;
    m_timers.emplace(std::make_pair(when, id), std::move(callback));
    return id;
  }

  void cancel(TimerId id) override {
    std::erase_if(m_timers, [id](const auto& entry) { return entry.first.second == id; });
  }

  bool post(Callback task) override {
    m_posted.push_back(std::move(task));
    return true;
  }

  void advance(std::chrono::milliseconds delta) {
    const auto until = m_now + delta;
    runPosted();
    while (!m_timers.empty() && m_timers.begin()->first.first <= until) {
      auto first = m_timers.begin();
      m_now = std::max(m_now, first->first.first);
      Callback callback = std::move(first->second);
      m_timers.erase(first);
      callback();
      runPosted();
    }
    m_now = until;
    runPosted();
  }

  void runPosted() {
    while (!m_posted.empty()) {
      Callback task = std::move(m_posted.front());
      m_posted.pop_front();
      task();
    }
  }

  std::size_t pendingTimers() const { return m_timers.size(); }
  std::size_t pendingPosts() const { return m_posted.size(); }
  // How long until the next timer is due; milliseconds::max() when none is pending.
  std::chrono::milliseconds nextIn() const {
    if (m_timers.empty()) return std::chrono::milliseconds::max();
    return std::chrono::duration_cast<std::chrono::milliseconds>(m_timers.begin()->first.first -
                                                                 m_now);
  }

 private:
  Clock::time_point m_now = Clock::time_point() + std::chrono::hours(1);
  Clock::time_point m_graceUntil{};
  std::map<std::pair<Clock::time_point, TimerId>, Callback> m_timers;
  std::deque<Callback> m_posted;
  TimerId m_nextId = 1;
};

}  // namespace plexus::host
