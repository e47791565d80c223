#pragma once

// LoopLender: lets a thread other than the loop's do the loop's work while the loop sleeps,
// instead of handing that work over and waking the loop for it (the in-process publisher routes
// and sends a published event this way: docs/design.md "The loop lends itself"). The EventLoop
// implements it; unit tests fake it.
// Thread rule: any thread. runIfAsleep() answers false on the loop thread itself, and on a
// thread already running work it lent.

#include <functional>

namespace plexus::host {

class LoopLender {
 public:
  // When the loop is blocked in its wait: runs `work` on this thread as the loop (holding the
  // loop's token, so the loop waits for it if it wakes meanwhile; the thread checks of the
  // loop's objects pass), then the loop's after-iteration hooks, wakes the loop if that left it
  // something to do sooner than it planned, and answers true. Otherwise answers false at once
  // without running anything.
  virtual bool runIfAsleep(const std::function<void()>& work) = 0;

 protected:
  ~LoopLender() = default;
};

}  // namespace plexus::host
