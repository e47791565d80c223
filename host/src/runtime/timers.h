#pragma once

// Timers: the loop thread's clock, its one-shot timers and its deferred tasks. The EventLoop
// implements it; a class that needs time but no sockets or fds (the supervisor, the host
// services) depends on this instead of the loop, so its unit tests can fake time and move it by
// hand (tests/host/runtime/fake_timers.h).
// Time the node did not run - stopped (SIGSTOP), a suspended VM, a debugger - does not count:
// now() is the node's run time, so every timer that judges others (liveness, stall, handshake,
// block-publish deadlines) measures only time the node was able to run. After such a pause,
// graceUntil() gives the modules a while to be heard before anyone judges them: what they sent
// meanwhile waits in the sockets and is read first.
// Thread rule: loop thread only (the EventLoop's post() also from any thread).

#include <chrono>
#include <cstdint>
#include <functional>

namespace plexus::host {

class Timers {
 public:
  using Clock = std::chrono::steady_clock;
  using Callback = std::function<void()>;
  using TimerId = std::uint64_t;

  virtual ~Timers() = default;

  // The node's run time: a steady clock that stands still while the node does not run.
  virtual Clock::time_point now() const = 0;
  // After the node's last pause, judging waits until this time (of now()); before any pause it
  // is in the past.
  virtual Clock::time_point graceUntil() const { return {}; }
  bool inGrace() const { return now() < graceUntil(); }
  // Runs `callback` once, on the loop thread, when `when` has passed. Timers with the same
  // deadline run in the order they were set.
  virtual TimerId runAt(Clock::time_point when, Callback callback) = 0;
  TimerId runAfter(std::chrono::milliseconds delay, Callback callback) {
    return runAt(now() + delay, std::move(callback));
  }
  // A timer that already ran, was cancelled or is unknown: nothing happens.
  virtual void cancel(TimerId id) = 0;
  // Runs `task` on the loop thread soon, never inside the caller's own call. False when the
  // loop takes no more tasks.
  virtual bool post(Callback task) = 0;
};

}  // namespace plexus::host
