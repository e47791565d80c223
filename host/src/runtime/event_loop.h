#pragma once

// EventLoop: the node's actor. One thread runs run(); it owns every socket and every piece of
// node state. ZeroMQ sockets (through their ZMQ_FD) and plain fds (pidfds, eventfds, signalfd)
// share one poll(2) set; timers set the poll timeout; after each iteration the loop calls the
// "after" hooks (the EventManager flushes its batches there, so events accepted in one
// iteration leave together).
// ZMQ_FD is edge-style: a socket's callback must read until it finds nothing, and a socket used
// outside its callback (a send from a flush or a deferred reply) must be touch()ed, so the loop
// serves it again before blocking. Plain poll(2) rather than zmq_poll avoids zmq_poll's second
// poll and its per-socket ZMQ_EVENTS checks (a getpid() and a poll() each) on every iteration.
// Thread rule: post(), stop() and stopping() from any thread; everything else on the loop
// thread, which is the thread that calls run(). Before run() the loop may be set up on another
// thread that then hands it over: run() binds the thread check to its own thread.

#include <poll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>
#include <zmq.hpp>

#include "plexus/ipc/thread_checker.h"
#include "plexus/ipc/wake_queue.h"
#include "runtime/timers.h"

namespace plexus::host {

class EventLoop final : public Timers {
 public:
  EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void addSocket(zmq::socket_t& socket, Callback onReadable);
  // `socket` was used outside its callback: serve it before the loop blocks.
  void touch(zmq::socket_t& socket);
  void addFd(int fd, Callback onReadable);
  // A WakeQueue's fd: the loop tells the queue when it is about to block and when it woke, so
  // producers only signal a sleeping loop.
  template <class Queue>
  void addQueue(Queue& queue, const Callback& onReadable) {
    PLEXUS_ASSERT_THREAD(m_thread);
    addFd(queue.fd(), onReadable);
    m_sleepGuards.push_back({[&queue] { return queue.prepareToSleep(); },
                             [&queue] { queue.awake(); }, m_watches.back(), false});
  }
  void removeFd(int fd);

  // ---- Timers ----
  Clock::time_point now() const override { return Clock::now(); }
  TimerId runAt(Clock::time_point when, Callback callback) override;
  void cancel(TimerId id) override;

  // Called after every iteration. `deadline`, if given, may shorten the next poll timeout.
  void addAfterHook(Callback hook, std::function<std::optional<Clock::time_point>()> deadline = {});

  // Any thread.
  bool post(Callback task) override { return m_mailbox.post(std::move(task)); }
  void stop();

  void run();
  bool stopping() const { return m_stop; }

 private:
  struct Watch {
    void* socket = nullptr;  // set for a ZeroMQ socket, whose `fd` is its ZMQ_FD
    int fd = -1;
    Callback onReadable;
    bool removed = false;  // a callback earlier in the same iteration removed it
    bool touched = false;  // used outside its callback since it was last served
  };
  struct SleepGuard {
    std::function<bool()> prepareToSleep;  // true: work is waiting, do not block
    std::function<void()> awake;
    std::shared_ptr<Watch> watch;  // run even when its fd is not readable if work waits
    bool workWaiting = false;
  };
  struct Hook {
    Callback run;
    std::function<std::optional<Clock::time_point>()> deadline;
  };
  long pollTimeoutMs() const;
  void runDueTimers();

  ipc::Mailbox m_mailbox;
  std::vector<std::shared_ptr<Watch>> m_watches;
  std::vector<pollfd> m_items;
  bool m_itemsDirty = true;
  std::multimap<Clock::time_point, TimerId> m_timerOrder;
  std::map<TimerId, std::pair<Clock::time_point, Callback>> m_timers;
  TimerId m_nextTimer = 1;
  std::vector<Hook> m_afterHooks;
  std::vector<SleepGuard> m_sleepGuards;
  std::atomic<bool> m_stop{false};
  ThreadChecker m_thread;
};

}  // namespace plexus::host
