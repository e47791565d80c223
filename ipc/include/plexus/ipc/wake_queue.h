#pragma once

// WakeQueue<T>: many producer threads, one owner thread. The owner puts fd() (an eventfd) in
// its poll set and drains everything at once when it becomes readable.
// Wake-ups are elided (an eventcount, like libzmq's ypipe): before blocking, the owner calls
// prepareToSleep(), which says whether items are already waiting; after waking it calls
// awake(). A producer writes the eventfd only while the owner declared itself asleep, so a busy
// owner costs its producers no syscall and itself no extra loop iteration.
// Bounded when capacity > 0: push() then waits for room until its deadline (backpressure to
// the producer, never to the owner). mayHaveItems() lets the owner look without a lock or a
// syscall. Thread rule: push(), close(), isClosed() and mayHaveItems() from any thread; drain(),
// prepareToSleep() and awake() from the owner only (asserted: the owner is the first thread that
// calls one of them).

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include "plexus/ipc/thread_annotations.h"
#include "plexus/ipc/thread_checker.h"

namespace plexus::ipc {

template <class T>
class WakeQueue {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WakeQueue(std::size_t capacity = 0) : m_capacity(capacity) {
    m_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (m_fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  }
  ~WakeQueue() { ::close(m_fd); }
  WakeQueue(const WakeQueue&) = delete;
  WakeQueue& operator=(const WakeQueue&) = delete;

  int fd() const { return m_fd; }

  // Any thread. False when the queue is closed, or bounded and still full at the deadline.
  bool push(T item, std::optional<Clock::time_point> deadline = std::nullopt) {
    bool wake = false;
    {
      MutexLock lock(m_mutex);
      if (m_capacity > 0) {
        auto hasRoom = [&]() PLEXUS_REQUIRES(m_mutex) {
          return m_closed || m_items.size() < m_capacity;
        };
        if (deadline) {
          if (!lock.waitUntil(m_room, *deadline, hasRoom)) return false;
        } else {
          lock.wait(m_room, hasRoom);
        }
      }
      if (m_closed) return false;
      m_items.push_back(std::move(item));
      m_hasItems.store(true, std::memory_order_release);
    }
    // After the push: an owner that declared itself asleep before it is woken exactly once.
    wake = m_asleep.exchange(false);
    if (wake) signal();
    return true;
  }

  // Any thread, lock-free (one acquire load): false only when every item pushed before is
  // drained. A push that returned before this call (happened-before it: on this thread, or on
  // one that told this one since) is always seen, by coherence: the flag is set in push() and
  // cleared in drain() under the queue's mutex, so its modification order follows the lock
  // order, and a false is only ever stored by a drain that took every item pushed before it.
  // A push still under way may or may not be seen. True may be stale (a drain raced with the
  // call): a false positive costs a drain that finds nothing; a false negative cannot happen.
  // (The store in push() is a release, so a caller that sees true also sees what the pushing
  // thread wrote before; the items themselves are still read under the lock, by drain().)
  // Items only: a closed, empty queue answers false.
  bool mayHaveItems() const { return m_hasItems.load(std::memory_order_acquire); }

  // Owner, right before blocking on fd(): true when items are already waiting (then do not
  // block, and drain them: fd() may not be readable). From here until awake(), producers wake
  // the owner.
  bool prepareToSleep() {
    PLEXUS_ASSERT_THREAD(m_owner);
    m_asleep.store(true);
    MutexLock lock(m_mutex);
    if (m_items.empty() && !m_closed) return false;
    m_asleep.store(false);
    return true;
  }
  // Owner, after it stopped blocking.
  void awake() {
    PLEXUS_ASSERT_THREAD(m_owner);
    m_asleep.store(false);
  }

  // The current owner gives the queue up: the next thread that drains it owns it (ownership of
  // the object it feeds moved, with a full memory barrier, e.g. a mutex hand-over).
  void handOver() { m_owner.detach(); }

  // Owner thread. Appends every queued item to `out` (which should be empty to reuse its
  // capacity) and resets the wake-up. Cheap when nothing signalled: no syscall.
  void drain(std::vector<T>& out) {
    PLEXUS_ASSERT_THREAD(m_owner);
    if (m_signalled.exchange(false)) {
      std::uint64_t counter;
      while (::read(m_fd, &counter, sizeof counter) < 0 && errno == EINTR) {
      }
    }
    {
      MutexLock lock(m_mutex);
      if (out.empty()) {
        out.swap(m_items);
      } else {
        for (auto& item : m_items)
          out.push_back(std::move(item));
        m_items.clear();
      }
      m_hasItems.store(false, std::memory_order_relaxed);  // under the lock: no push in between
    }
    if (m_capacity > 0) m_room.notify_all();
  }

  bool isClosed() {
    MutexLock lock(m_mutex);
    return m_closed;
  }

  void close() {
    {
      MutexLock lock(m_mutex);
      m_closed = true;
    }
    m_room.notify_all();
    signal();
  }

 private:
  // The count is written before the flag is raised: a drain() between the two leaves the count
  // for the next drain (one extra wake-up). The other order let a drain take the flag and read
  // nothing, and the count written after it was then never read: every later poll returned at
  // once, a busy loop until the next signal.
  void signal() {
    std::uint64_t one = 1;
    while (::write(m_fd, &one, sizeof one) < 0 && errno == EINTR) {
    }
    m_signalled.store(true);
  }

  const std::size_t m_capacity;
  int m_fd = -1;
  Mutex m_mutex;
  std::condition_variable m_room;
  std::vector<T> m_items PLEXUS_GUARDED_BY(m_mutex);
  bool m_closed PLEXUS_GUARDED_BY(m_mutex) = false;
  std::atomic<bool> m_hasItems{false};   // !m_items.empty(), written under m_mutex only
  std::atomic<bool> m_asleep{true};      // until the owner's first awake(): every push signals
  std::atomic<bool> m_signalled{false};  // the eventfd holds a count to read
  ThreadChecker m_owner;
};

// Mailbox: closures posted to an owner thread (libzmq's mailbox, Envoy's Dispatcher::post).
// Thread rule: post() and close() from any thread; the rest from the owner only (its queue
// asserts it).
class Mailbox {
 public:
  int fd() const { return m_queue.fd(); }
  bool post(std::function<void()> task) { return m_queue.push(std::move(task)); }
  bool prepareToSleep() { return m_queue.prepareToSleep(); }
  void awake() { m_queue.awake(); }
  // Owner thread: runs everything posted so far.
  void runPending() {
    m_batch.clear();
    m_queue.drain(m_batch);
    for (auto& task : m_batch)
      task();
    m_batch.clear();
  }
  void close() { m_queue.close(); }

 private:
  WakeQueue<std::function<void()>> m_queue;
  std::vector<std::function<void()>> m_batch;
};

}  // namespace plexus::ipc
