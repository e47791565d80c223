#pragma once

// WakeQueue<T>: many producer threads, one owner thread. The owner puts fd() (an eventfd) in
// its poll set and drains everything at once when it becomes readable; producers write the
// eventfd only when the queue goes from empty to non-empty, so a burst costs one wake-up.
// Bounded when capacity > 0: push() then waits for room until its deadline (backpressure to
// the producer, never to the owner). Thread rule: push() from any thread; drain() from the
// owner only; close() from any thread.

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

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
      std::unique_lock lock(m_mutex);
      if (m_capacity > 0) {
        auto hasRoom = [&] { return m_closed || m_items.size() < m_capacity; };
        if (deadline) {
          if (!m_room.wait_until(lock, *deadline, hasRoom)) return false;
        } else {
          m_room.wait(lock, hasRoom);
        }
      }
      if (m_closed) return false;
      wake = m_items.empty();
      m_items.push_back(std::move(item));
    }
    if (wake) signal();
    return true;
  }

  // Owner thread. Appends every queued item to `out` (which should be empty to reuse its
  // capacity) and resets the wake-up.
  void drain(std::vector<T>& out) {
    std::uint64_t counter;
    while (::read(m_fd, &counter, sizeof counter) < 0 && errno == EINTR) {
    }
    {
      std::lock_guard lock(m_mutex);
      if (out.empty()) {
        out.swap(m_items);
      } else {
        for (auto& item : m_items) out.push_back(std::move(item));
        m_items.clear();
      }
    }
    if (m_capacity > 0) m_room.notify_all();
  }

  bool isClosed() {
    std::lock_guard lock(m_mutex);
    return m_closed;
  }

  void close() {
    {
      std::lock_guard lock(m_mutex);
      m_closed = true;
    }
    m_room.notify_all();
    signal();
  }

 private:
  void signal() {
    std::uint64_t one = 1;
    while (::write(m_fd, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }

  const std::size_t m_capacity;
  int m_fd = -1;
  std::mutex m_mutex;
  std::condition_variable m_room;
  std::vector<T> m_items;
  bool m_closed = false;
};

// Mailbox: closures posted to an owner thread (libzmq's mailbox, Envoy's Dispatcher::post).
class Mailbox {
 public:
  int fd() const { return m_queue.fd(); }
  bool post(std::function<void()> task) { return m_queue.push(std::move(task)); }
  // Owner thread: runs everything posted so far.
  void runPending() {
    m_batch.clear();
    m_queue.drain(m_batch);
    for (auto& task : m_batch) task();
    m_batch.clear();
  }
  void close() { m_queue.close(); }

 private:
  WakeQueue<std::function<void()>> m_queue;
  std::vector<std::function<void()>> m_batch;
};

}  // namespace plexus::ipc
