#include "plexus/host/event_loop.h"

#include <algorithm>
#include <cerrno>

namespace plexus::host {

EventLoop::EventLoop() {
  addFd(m_mailbox.fd(), [this] { m_mailbox.runPending(); });
}

void EventLoop::addSocket(zmq::socket_t& socket, Callback onReadable) {
  m_watches.push_back(std::make_shared<Watch>(Watch{socket.handle(), -1, std::move(onReadable)}));
  m_itemsDirty = true;
}

void EventLoop::addFd(int fd, Callback onReadable) {
  m_watches.push_back(std::make_shared<Watch>(Watch{nullptr, fd, std::move(onReadable)}));
  m_itemsDirty = true;
}

void EventLoop::removeFd(int fd) {
  std::erase_if(m_watches, [fd](const std::shared_ptr<Watch>& w) {
    if (w->socket != nullptr || w->fd != fd) return false;
    w->removed = true;
    return true;
  });
  m_itemsDirty = true;
}

EventLoop::TimerId EventLoop::runAt(Clock::time_point when, Callback callback) {
  TimerId id = m_nextTimer++;
  m_timers.emplace(id, std::make_pair(when, std::move(callback)));
  m_timerOrder.emplace(when, id);
  return id;
}

void EventLoop::cancel(TimerId id) {
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
  m_afterHooks.push_back({std::move(hook), std::move(deadline)});
}

void EventLoop::stop() {
  m_stop = true;
  m_mailbox.post([] {});  // wake the poll
}

long EventLoop::pollTimeoutMs() const {
  std::optional<Clock::time_point> next;
  if (!m_timerOrder.empty()) next = m_timerOrder.begin()->first;
  for (const Hook& hook : m_afterHooks) {
    if (!hook.deadline) continue;
    auto d = hook.deadline();
    if (d && (!next || *d < *next)) next = d;
  }
  if (!next) return -1;
  auto delta = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now()).count();
  return std::max<long>(0, delta);
}

void EventLoop::runDueTimers() {
  const auto now = Clock::now();
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

void EventLoop::run() {
  std::vector<std::shared_ptr<Watch>> ready;
  while (!m_stop) {
    if (m_itemsDirty) {
      m_items.clear();
      for (const auto& w : m_watches) {
        m_items.push_back({w->socket, w->socket ? 0 : w->fd, ZMQ_POLLIN, 0});
      }
      m_itemsDirty = false;
    }
    try {
      zmq::poll(m_items.data(), m_items.size(), std::chrono::milliseconds(pollTimeoutMs()));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
      continue;
    }
    // Callbacks may add or remove watches: collect first, then run.
    ready.clear();
    for (std::size_t i = 0; i < m_items.size(); ++i) {
      if (m_items[i].revents & (ZMQ_POLLIN | ZMQ_POLLERR)) ready.push_back(m_watches[i]);
    }
    for (auto& watch : ready) {
      if (!watch->removed) watch->onReadable();
    }
    runDueTimers();
    for (Hook& hook : m_afterHooks) hook.run();
  }
}

}  // namespace plexus::host
