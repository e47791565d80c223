#pragma once

// ThreadChecker: checks a class's thread rule ("loop thread only"), as Chromium's
// SEQUENCE_CHECKER and libmultiprocess's loop-thread asserts do. It binds to the first thread
// that checks it (detach() lets the next check bind again, e.g. an object built on one thread
// and then handed to the thread that owns it for good).
// PLEXUS_ASSERT_THREAD(checker) aborts with the file and line when called on another thread; it
// is compiled in only where PLEXUS_THREAD_CHECKS is set (debug and sanitizer builds) and costs
// nothing in Release.

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace plexus {

class ThreadChecker {
 public:
  // True on the bound thread (binding it if unbound).
  bool onBoundThread() const {
    const std::thread::id self = std::this_thread::get_id();
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
