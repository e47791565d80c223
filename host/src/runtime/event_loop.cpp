#include "runtime/event_loop.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>

#include "runtime/logging.h"

namespace plexus::host {

EventLoop::EventLoop(std::function<Clock::time_point()> steadyClock)
    : m_epoll(::epoll_create1(EPOLL_CLOEXEC)), m_steadyClock(std::move(steadyClock)) {
  if (m_epoll < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  addQueue(m_mailbox, [this] { m_mailbox.runPending(); });
}

EventLoop::~EventLoop() {
  ::close(m_epoll);
}

void EventLoop::watch(std::shared_ptr<Watch> watch) {
  watch->id = m_nextWatchId++;
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = watch->id;
  if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, watch->fd, &event) < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "epoll_ctl: cannot watch fd " + std::to_string(watch->fd));
  }
  m_watches.push_back(std::move(watch));
}

void EventLoop::addSocket(zmq::socket_t& socket, Callback onReadable) {
  PLEXUS_ASSERT_THREAD(m_thread);
  const int fd = socket.get(zmq::sockopt::fd);
  auto watch = std::make_shared<Watch>(Watch{socket.handle(), fd, std::move(onReadable)});
  watch->touched = true;  // serve it once: messages may be waiting without an edge
  this->watch(std::move(watch));
}

void EventLoop::touch(zmq::socket_t& socket) {
  PLEXUS_ASSERT_THREAD(m_thread);
  for (auto& watch : m_watches) {
    if (watch->socket == socket.handle()) watch->touched = true;
  }
}

void EventLoop::addFd(int fd, Callback onReadable) {
  PLEXUS_ASSERT_THREAD(m_thread);
  watch(std::make_shared<Watch>(Watch{nullptr, fd, std::move(onReadable)}));
}

void EventLoop::removeFd(int fd) {
  PLEXUS_ASSERT_THREAD(m_thread);
  const auto removed = std::erase_if(m_watches, [fd](const std::shared_ptr<Watch>& w) {
    if (w->socket != nullptr || w->fd != fd) return false;  // never a ZeroMQ socket's fd
    w->removed = true;
    return true;
  });
  if (removed > 0) ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);  // still open: see the header
}

EventLoop::TimerId EventLoop::runAt(Clock::time_point when, Callback callback) {
  PLEXUS_ASSERT_THREAD(m_thread);
  TimerId id = m_nextTimer++;
  m_timers.emplace(id, std::make_pair(when, std::move(callback)));
  m_timerOrder.emplace(when, id);
  return id;
}

void EventLoop::cancel(TimerId id) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto it = m_timers.find(id);
  if (it == m_timers.end()) return;
  auto range = m_timerOrder.equal_range(it->second.first);
  for (auto o = range.first; o != range.second; ++o) {
    if (o->second == id) {
      m_timerOrder.erase(o);
      break;
    }
  }
  m_timers.erase(it);
}

void EventLoop::addAfterHook(Callback hook,
                             std::function<std::optional<Clock::time_point>()> deadline) {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_afterHooks.push_back({std::move(hook), std::move(deadline)});
}

void EventLoop::stop() {
  m_stop = true;
  m_mailbox.post([] {});  // wake the poll
}

std::optional<EventLoop::Clock::time_point> EventLoop::nextDeadline() const {
  std::optional<Clock::time_point> next;
  if (!m_timerOrder.empty()) next = m_timerOrder.begin()->first;
  for (const Hook& hook : m_afterHooks) {
    if (!hook.deadline) continue;
    auto d = hook.deadline();
    if (d && (!next || *d < *next)) next = d;
  }
  return next;
}

long EventLoop::timeoutMsUntil(std::optional<Clock::time_point> next) const {
  if (!next) return -1;
  auto delta = std::chrono::ceil<std::chrono::milliseconds>(*next - now()).count();
  return std::max<long>(0, delta);
}

void EventLoop::runDueTimers() {
  const auto now = this->now();
  while (!m_timerOrder.empty() && m_timerOrder.begin()->first <= now) {
    TimerId id = m_timerOrder.begin()->second;
    m_timerOrder.erase(m_timerOrder.begin());
    auto it = m_timers.find(id);
    if (it == m_timers.end()) continue;
    Callback callback = std::move(it->second.second);
    m_timers.erase(it);
    callback();
  }
}

void EventLoop::progress(std::optional<std::chrono::milliseconds> allowed) {
  const auto steady = steadyNow();
  const auto elapsed = steady - m_mark;
  m_mark = steady;
  if (!allowed) return;  // a poll without a timeout may sleep for ever
  const auto gap = elapsed - *allowed;
  if (gap < kPauseThreshold) return;
  m_paused += gap;
  m_graceUntil = now() + m_resumeGrace;
  logger("node")->warn(
      "the node did not run for {} ms (stopped, suspended, in a debugger or starved): that time "
      "does not count against the modules, which get {} ms to be heard before they are judged",
      std::chrono::duration_cast<std::chrono::milliseconds>(gap).count(), m_resumeGrace.count());
}

void EventLoop::wait(long timeoutMs, std::optional<Clock::time_point> deadline) {
  m_events.resize(std::max<std::size_t>(1, m_watches.size()));
  const int size = static_cast<int>(m_events.size());
  int count = 0;
  int error = 0;
  if (timeoutMs != 0) {
    m_sleepDeadline = timeoutMs < 0 ? std::nullopt : deadline;
    m_asleep = true;
    m_token.unlock();
    count = ::epoll_wait(m_epoll, m_events.data(), size, static_cast<int>(timeoutMs));
    error = errno;
    m_token.lock();  // a borrower may hold it: its work is done before the loop goes on
    m_asleep = false;
  } else {
    count = ::epoll_wait(m_epoll, m_events.data(), size, 0);
    error = errno;
  }
  if (count < 0 && error != EINTR) {
    throw std::system_error(error, std::generic_category(), "epoll_wait");
  }
  for (int i = 0; i < count; ++i) {
    // EPOLLERR and EPOLLHUP are always reported: the callback reads and finds out.
    const std::uint64_t id = m_events[static_cast<std::size_t>(i)].data.u64;
    for (auto& watch : m_watches) {
      if (watch->id == id) watch->readable = true;
    }
  }
}

void EventLoop::runAfterHooks() {
  for (Hook& hook : m_afterHooks)
    hook.run();
}

bool EventLoop::runIfAsleep(const std::function<void()>& work) {
  const std::thread::id loopThread = m_loopThread.load(std::memory_order_acquire);
  // The loop thread holds the token already (and so does a thread inside lent work).
  if (loopThread == std::thread::id{} || actingThreadId() == loopThread) return false;
  if (!m_token.tryLock()) return false;
  bool wake = false;
  {
    MutexLock held(m_token, std::adopt_lock);
    if (!m_asleep) return false;  // not started, stopped, or about to run an iteration anyway
    ActAsThread acting(loopThread);
    work();
    runAfterHooks();
    wake = lentWorkNeedsTheLoop();
  }
  if (wake) {
    m_lentWakeups.fetch_add(1, std::memory_order_relaxed);
    m_mailbox.post([] {});
  }
  return true;
}

bool EventLoop::lentWorkNeedsTheLoop() {
  bool wake = false;
  for (auto& watch : m_watches) {
    if (!watch->touched) continue;
    // A send may have read the socket's wake-up signal: if input waits, the loop would sleep
    // through it. With none waiting, ZMQ_FD signals the next arrival again.
    int events = 0;
    std::size_t size = sizeof events;
    if (watch->socket == nullptr ||
        zmq_getsockopt(watch->socket, ZMQ_EVENTS, &events, &size) != 0 ||
        (events & ZMQ_POLLIN) != 0) {
      wake = true;
      continue;
    }
    watch->touched = false;
  }
  const auto next = nextDeadline();
  if (next && (!m_sleepDeadline || *next < *m_sleepDeadline)) wake = true;
  return wake;
}

void EventLoop::run() {
  m_thread.detach();  // whoever set the loop up hands it over to this thread
  PLEXUS_ASSERT_THREAD(m_thread);
  MutexLock held(m_token);
  m_loopThread.store(std::this_thread::get_id(), std::memory_order_release);
  struct Stopped {
    std::atomic<std::thread::id>& loopThread;
    ~Stopped() { loopThread.store(std::thread::id{}, std::memory_order_release); }
  } stopped{m_loopThread};
  m_mark = steadyNow();
  while (!m_stop)
    iterate();
}

void EventLoop::iterate() {
  const auto deadline = nextDeadline();
  long timeout = timeoutMsUntil(deadline);
  for (auto& guard : m_sleepGuards) {
    guard.workWaiting = guard.prepareToSleep();
    if (guard.workWaiting) timeout = 0;
  }
  for (const auto& w : m_watches) {
    if (w->touched) timeout = 0;
  }
  progress(std::chrono::milliseconds(0));  // the previous iteration's timers and hooks
  wait(timeout, deadline);
  progress(timeout < 0 ? std::nullopt : std::optional(std::chrono::milliseconds(timeout)));
  for (auto& guard : m_sleepGuards)
    guard.awake();
  // Callbacks may add or remove watches: collect first, then run.
  m_ready.clear();
  for (auto& watch : m_watches) {
    if (watch->readable || watch->touched) {
      watch->readable = watch->touched = false;
      m_ready.push_back(watch);
    }
  }
  // A queue with items its producers did not signal (the loop was awake) is served too.
  for (auto& guard : m_sleepGuards) {
    if (guard.workWaiting &&
        std::find(m_ready.begin(), m_ready.end(), guard.watch) == m_ready.end()) {
      m_ready.push_back(guard.watch);
    }
  }
  for (auto& watch : m_ready) {
    if (!watch->removed) watch->onReadable();
  }
  progress(std::chrono::milliseconds(0));  // the callbacks: before any timer judges anyone
  runDueTimers();
  runAfterHooks();
}

}  // namespace plexus::host
