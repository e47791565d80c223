#pragma once

// ThreadChecker: checks a class's thread rule ("loop thread only"), as Chromium's
// SEQUENCE_CHECKER and libmultiprocess's loop-thread asserts do. It binds to the first thread
// that checks it (detach() lets the next check bind again, e.g. an object built on one thread
// and then handed to the thread that owns it for good).
// PLEXUS_ASSERT_THREAD(checker) aborts with the file and line when called on another thread; it
// is compiled in only where PLEXUS_THREAD_CHECKS is set (debug and sanitizer builds) and costs
// nothing in Release.
// A thread that holds an owner's token may act as the owner's thread (ActAsThread): the node
// loop lends itself to a publishing thread while it sleeps (EventLoop::runIfAsleep), and the
// checks of everything the loop owns then pass on the borrowing thread, as Chromium's sequence
// checkers pass on any thread that runs the sequence.

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace plexus {

namespace detail {
inline thread_local std::thread::id t_actingAs{};
}

// The thread this one acts as: its own, unless inside an ActAsThread.
inline std::thread::id actingThreadId() {
  const std::thread::id acting = detail::t_actingAs;
  return acting != std::thread::id{} ? acting : std::this_thread::get_id();
}

// While it lives, this thread passes the thread checks of `owner`'s objects. Only for a thread
// that holds what makes it the owner's stand-in (the loop's token): it excludes the owner.
class ActAsThread {
 public:
  explicit ActAsThread(std::thread::id owner) : m_previous(detail::t_actingAs) {
    detail::t_actingAs = owner;
  }
  ~ActAsThread() { detail::t_actingAs = m_previous; }
  ActAsThread(const ActAsThread&) = delete;
  ActAsThread& operator=(const ActAsThread&) = delete;

 private:
  std::thread::id m_previous;
};

class ThreadChecker {
 public:
  // True on the bound thread, or acting as it (binding it if unbound).
  bool onBoundThread() const {
    const std::thread::id self = actingThreadId();
    std::thread::id expected{};
    if (m_owner.compare_exchange_strong(expected, self, std::memory_order_acq_rel)) return true;
    return expected == self;
  }
  void detach() { m_owner.store(std::thread::id{}, std::memory_order_release); }

  void check(const char* file, int line) const {
    if (onBoundThread()) return;
    std::fprintf(stderr, "%s:%d: thread rule broken: called off the thread that owns this object\n",
                 file, line);
    std::abort();
  }

 private:
  mutable std::atomic<std::thread::id> m_owner{};
};

}  // namespace plexus

#if defined(PLEXUS_THREAD_CHECKS) && PLEXUS_THREAD_CHECKS
#define PLEXUS_ASSERT_THREAD(checker) (checker).check(__FILE__, __LINE__)
#else
#define PLEXUS_ASSERT_THREAD(checker) static_cast<void>(0)
#endif
