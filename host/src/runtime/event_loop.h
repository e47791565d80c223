#pragma once

// EventLoop: the node's actor. One thread runs run(); it owns every socket and every piece of
// node state. ZeroMQ sockets (through their ZMQ_FD) and plain fds (pidfds, eventfds, signalfd)
// share one epoll(7) set, level-triggered; timers set the wait's timeout; after each iteration
// the loop calls the "after" hooks (the EventManager flushes its batches there, so events
// accepted in one iteration leave together).
// ZMQ_FD is edge-style: a socket's callback must read until it finds nothing, and a socket used
// outside its callback (a send from a flush or a deferred reply) must be touch()ed, so the loop
// serves it again before blocking. Plain fds rather than zmq_poll avoid zmq_poll's second poll
// and its per-socket ZMQ_EVENTS checks (a getpid() and a poll() each) on every iteration; epoll
// rather than poll(2), because a poll(2) that blocks joins and leaves the wait queue of every fd
// in the set, which on the project's VM cost about 0.5 us per fd per wake-up (docs/performance.md
// "The node loop on epoll"). A watched fd must be removeFd()'d before it is closed.
// Pauses: the loop notices when far more time passed than it allowed itself - a wait that
// returned long after its timeout, callbacks that took far too long - and takes that time out of
// now() (Timers: the node's run time), then opens a grace period for the modules to be heard.
// The loop lends itself (LoopLender): it holds its token while it runs and releases it only
// while it blocks in its wait, so another thread that takes the token finds the loop asleep and
// may run loop work itself (acting as the loop thread for the thread checks); the loop, woken
// meanwhile, waits for the token. Afterwards the borrower runs the after hooks, as the loop does
// after an iteration, and wakes the loop only when it left work behind: a touched socket with
// input waiting (its ZMQ_FD edge may have been consumed by the borrower's send) or a deadline
// earlier than the one the loop sleeps until.
// Thread rule: post(), stop(), stopping() and runIfAsleep() from any thread; everything else on
// the loop thread, which is the thread that calls run(), or on a thread inside runIfAsleep().
// Before run() the loop may be set up on another thread that then hands it over: run() binds
// the thread check to its own thread.

#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "plexus/ipc/thread_annotations.h"
#include "plexus/ipc/thread_checker.h"
#include "plexus/ipc/wake_queue.h"
#include "runtime/loop_lender.h"
#include "runtime/timers.h"

namespace plexus::host {

class EventLoop final : public Timers, public LoopLender {
 public:
  // A gap of at least this much is a pause of the node, not a slow iteration.
  static constexpr std::chrono::milliseconds kPauseThreshold{250};

  // `steadyClock`: the real time the loop measures pauses against (unit tests fake it).
  explicit EventLoop(std::function<Clock::time_point()> steadyClock = {});
  ~EventLoop() override;
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
  Clock::time_point now() const override { return steadyNow() - m_paused; }
  Clock::time_point graceUntil() const override { return m_graceUntil; }
  // After a pause, how long modules get to be heard (from the end of the pause). Default 1 s.
  void setResumeGrace(std::chrono::milliseconds grace) { m_resumeGrace = grace; }
  // The time taken out of now() so far.
  Clock::duration pausedTotal() const { return m_paused; }
  TimerId runAt(Clock::time_point when, Callback callback) override;
  void cancel(TimerId id) override;

  // Called after every iteration. `deadline`, if given, may shorten the next poll timeout.
  void addAfterHook(Callback hook, std::function<std::optional<Clock::time_point>()> deadline = {});

  // Any thread.
  bool post(Callback task) override { return m_mailbox.post(std::move(task)); }
  void stop();

  // Any thread (LoopLender).
  bool runIfAsleep(const std::function<void()>& work) override;
  // Lent work after which the loop had to be woken (input waiting, an earlier deadline).
  std::uint64_t lentWakeups() const { return m_lentWakeups.load(std::memory_order_relaxed); }

  void run();
  bool stopping() const { return m_stop; }

 private:
  struct Watch {
    void* socket = nullptr;  // set for a ZeroMQ socket, whose `fd` is its ZMQ_FD
    int fd = -1;
    Callback onReadable;
    std::uint64_t id = 0;   // its epoll data: a removed watch's late event finds no watch
    bool removed = false;   // a callback earlier in the same iteration removed it
    bool touched = false;   // used outside its callback since it was last served
    bool readable = false;  // reported by the last wait
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
  std::optional<Clock::time_point> nextDeadline() const;
  // Milliseconds until `deadline`, rounded up (-1: none).
  long timeoutMsUntil(std::optional<Clock::time_point> deadline) const;
  void iterate() PLEXUS_REQUIRES(m_token);
  void runAfterHooks();
  // After lent work: true when the loop must not sleep on (the caller wakes it once it has
  // released the token, so the loop does not wake only to wait for the token).
  bool lentWorkNeedsTheLoop() PLEXUS_REQUIRES(m_token);
  void runDueTimers();
  Clock::time_point steadyNow() const { return m_steadyClock ? m_steadyClock() : Clock::now(); }
  // A checkpoint: the time since the last one beyond `allowed` (nullopt: any) is a pause when it
  // reaches kPauseThreshold.
  void progress(std::optional<std::chrono::milliseconds> allowed);
  void watch(std::shared_ptr<Watch> watch);
  // Waits up to `timeoutMs` (-1: no limit), computed for `deadline`, and marks the watches
  // reported readable. Releases the token while it blocks (a timeout of 0 does not block and
  // keeps it).
  void wait(long timeoutMs, std::optional<Clock::time_point> deadline) PLEXUS_REQUIRES(m_token);

  ipc::Mailbox m_mailbox;
  int m_epoll = -1;
  std::vector<std::shared_ptr<Watch>> m_watches;
  std::vector<epoll_event> m_events;
  std::vector<std::shared_ptr<Watch>> m_ready;  // iterate()'s
  std::uint64_t m_nextWatchId = 1;
  std::multimap<Clock::time_point, TimerId> m_timerOrder;
  std::map<TimerId, std::pair<Clock::time_point, Callback>> m_timers;
  TimerId m_nextTimer = 1;
  std::vector<Hook> m_afterHooks;
  std::vector<SleepGuard> m_sleepGuards;
  std::atomic<bool> m_stop{false};
  std::function<Clock::time_point()> m_steadyClock;
  Clock::time_point m_mark{};        // steady time of the last checkpoint
  Clock::duration m_paused{};        // taken out of now()
  Clock::time_point m_graceUntil{};  // of now()
  std::chrono::milliseconds m_resumeGrace{1000};
  ThreadChecker m_thread;
  Mutex m_token;                                // the loop's: held by whoever runs loop work
  std::atomic<std::thread::id> m_loopThread{};  // run()'s thread, while it runs
  std::atomic<std::uint64_t> m_lentWakeups{0};
  bool m_asleep PLEXUS_GUARDED_BY(m_token) = false;  // blocked in wait(), token released
  // The deadline the sleeping loop's wait was computed for (nullopt: none), as nextDeadline()
  // gave it: not rounded, so lent work that leaves the deadlines as they were does not wake it.
  std::optional<Clock::time_point> m_sleepDeadline PLEXUS_GUARDED_BY(m_token);
};

}  // namespace plexus::host
