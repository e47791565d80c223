#pragma once

// IncarnationTimer: a one-shot timer that belongs to one incarnation of a module (handshake
// timeout, stop escalation, restart delay). Its callback runs only while the module is still in
// the incarnation that started the timer: once a new incarnation started, the old timer does
// nothing, so a timer of an exited process can never act on its successor.
// Lives in the module's record, which it reads the incarnation from; starting it again, or
// destroying it, cancels what was pending.
// Thread rule: loop thread only.

#include <chrono>
#include <cstdint>
#include <optional>

#include "plexus/ipc/thread_checker.h"
#include "runtime/timers.h"

namespace plexus::host {

class IncarnationTimer {
 public:
  // `incarnation`: the record's current incarnation; it must outlive the timer.
  IncarnationTimer(Timers& timers, const std::uint64_t& incarnation)
      : m_timers(timers), m_incarnation(incarnation) {}
  ~IncarnationTimer();
  IncarnationTimer(const IncarnationTimer&) = delete;
  IncarnationTimer& operator=(const IncarnationTimer&) = delete;

  // `callback` runs after `delay` if the incarnation is still the current one; a pending
  // callback is cancelled first.
  void start(std::chrono::milliseconds delay, Timers::Callback callback);
  void cancel();
  // Started and neither run nor cancelled yet.
  bool pending() const { return m_pending.has_value(); }

 private:
  Timers& m_timers;
  const std::uint64_t& m_incarnation;
  std::optional<Timers::TimerId> m_pending;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
