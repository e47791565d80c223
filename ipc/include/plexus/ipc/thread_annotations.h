#pragma once

// Clang thread-safety analysis (-Wthread-safety, on in the clang build): attributes for
// capabilities, and a Mutex that carries them (libstdc++'s std::mutex is not annotated).
// Annotate every mutex-guarded member with PLEXUS_GUARDED_BY(m_mutex) and every function that
// expects the lock held with PLEXUS_REQUIRES(m_mutex). No-ops with other compilers.
//
//   plexus::Mutex m_mutex;
//   std::deque<Item> m_items PLEXUS_GUARDED_BY(m_mutex);
//   ...
//   plexus::MutexLock lock(m_mutex);
//   lock.wait(m_ready, [&]() PLEXUS_REQUIRES(m_mutex) { return !m_items.empty(); });
//
// A lambda is analysed on its own: a wait predicate that reads guarded members says that it
// runs under the lock with PLEXUS_REQUIRES, as above (the condition variable calls it locked).

#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define PLEXUS_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define PLEXUS_THREAD_ANNOTATION(x)
#endif

#define PLEXUS_CAPABILITY(x) PLEXUS_THREAD_ANNOTATION(capability(x))
#define PLEXUS_SCOPED_CAPABILITY PLEXUS_THREAD_ANNOTATION(scoped_lockable)
#define PLEXUS_GUARDED_BY(x) PLEXUS_THREAD_ANNOTATION(guarded_by(x))
#define PLEXUS_PT_GUARDED_BY(x) PLEXUS_THREAD_ANNOTATION(pt_guarded_by(x))
#define PLEXUS_REQUIRES(...) PLEXUS_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define PLEXUS_ACQUIRE(...) PLEXUS_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define PLEXUS_RELEASE(...) PLEXUS_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define PLEXUS_TRY_ACQUIRE(...) PLEXUS_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define PLEXUS_EXCLUDES(...) PLEXUS_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define PLEXUS_NO_THREAD_SAFETY_ANALYSIS PLEXUS_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace plexus {

// std::mutex with the capability attribute.
class PLEXUS_CAPABILITY("mutex") Mutex {
 public:
  void lock() PLEXUS_ACQUIRE() { m_mutex.lock(); }
  void unlock() PLEXUS_RELEASE() { m_mutex.unlock(); }
  bool tryLock() PLEXUS_TRY_ACQUIRE(true) { return m_mutex.try_lock(); }
  // For std::condition_variable waits under a MutexLock (the analysis cannot follow them).
  std::mutex& native() { return m_mutex; }

 private:
  std::mutex m_mutex;
};

// std::lock_guard/unique_lock for Mutex. wait() releases and re-acquires around a condition
// variable wait, which the analysis treats as holding the lock throughout (as it is on return).
class PLEXUS_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) PLEXUS_ACQUIRE(mutex) : m_lock(mutex.native()) {}
  // Takes over a lock this thread already holds (after a successful tryLock()).
  MutexLock(Mutex& mutex, std::adopt_lock_t) PLEXUS_REQUIRES(mutex)
      : m_lock(mutex.native(), std::adopt_lock) {}
  ~MutexLock() PLEXUS_RELEASE() = default;
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  template <class Predicate>
  void wait(std::condition_variable& cv, Predicate predicate) {
    cv.wait(m_lock, std::move(predicate));
  }
  template <class Deadline, class Predicate>
  bool waitUntil(std::condition_variable& cv, const Deadline& deadline, Predicate predicate) {
    return cv.wait_until(m_lock, deadline, std::move(predicate));
  }
  template <class Duration, class Predicate>
  bool waitFor(std::condition_variable& cv, const Duration& duration, Predicate predicate) {
    return cv.wait_for(m_lock, duration, std::move(predicate));
  }

 private:
  std::unique_lock<std::mutex> m_lock;
};

}  // namespace plexus
