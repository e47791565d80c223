#pragma once

// EventLoop: the node's actor. One thread runs run(); it owns every socket and every piece of
// node state. Sockets and fds (pidfds, eventfds, signalfd) share one zmq::poll set; timers set
// the poll timeout; after each iteration the loop calls the "after" hooks (the EventManager
// flushes its batches there, so events accepted in one iteration leave together).
// Thread rule: post() and stop() from any thread; everything else on the loop thread.

#include <zmq.hpp>

#include <chrono>
#include <cstdint>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "plexus/ipc/wake_queue.h"

namespace plexus::host {

class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;
  using Callback = std::function<void()>;
  using TimerId = std::uint64_t;

  EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void addSocket(zmq::socket_t& socket, Callback onReadable);
  void addFd(int fd, Callback onReadable);
  void removeFd(int fd);

  TimerId runAt(Clock::time_point when, Callback callback);
  TimerId runAfter(std::chrono::milliseconds delay, Callback callback) {
    return runAt(Clock::now() + delay, std::move(callback));
  }
  void cancel(TimerId id);

  // Called after every iteration. `deadline`, if given, may shorten the next poll timeout.
  void addAfterHook(Callback hook, std::function<std::optional<Clock::time_point>()> deadline = {});

  // Any thread.
  bool post(Callback task) { return m_mailbox.post(std::move(task)); }
  void stop();

  void run();
  bool stopping() const { return m_stop; }

 private:
  struct Watch {
    void* socket = nullptr;
    int fd = -1;
    Callback onReadable;
    bool removed = false;  // a callback earlier in the same iteration removed it
  };
  struct Hook {
    Callback run;
    std::function<std::optional<Clock::time_point>()> deadline;
  };
  long pollTimeoutMs() const;
  void runDueTimers();

  ipc::Mailbox m_mailbox;
  std::vector<std::shared_ptr<Watch>> m_watches;
  std::vector<zmq::pollitem_t> m_items;
  bool m_itemsDirty = true;
  std::multimap<Clock::time_point, TimerId> m_timerOrder;
  std::map<TimerId, std::pair<Clock::time_point, Callback>> m_timers;
  TimerId m_nextTimer = 1;
  std::vector<Hook> m_afterHooks;
  std::atomic<bool> m_stop{false};
};

}  // namespace plexus::host
