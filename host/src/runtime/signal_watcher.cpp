#include "runtime/signal_watcher.h"

#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace plexus::host {

namespace {

sigset_t setOf(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : signals)
    sigaddset(&set, signal);
  return set;
}

}  // namespace

void blockSignals(std::initializer_list<int> signals) {
  const sigset_t set = setOf(signals);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

std::string signalName(int signal) {
  const char* abbreviation = ::sigabbrev_np(signal);
  return abbreviation != nullptr ? abbreviation : std::to_string(signal);
}

SignalWatcher::SignalWatcher(EventLoop& loop, std::initializer_list<int> signals, Handler onSignal)
    : m_loop(loop), m_onSignal(std::move(onSignal)) {
  PLEXUS_ASSERT_THREAD(m_thread);
  const sigset_t set = setOf(signals);
  m_fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (m_fd < 0) throw std::runtime_error(std::string("signalfd failed: ") + std::strerror(errno));
  m_loop.addFd(m_fd, [this] { readAll(); });
}

SignalWatcher::~SignalWatcher() {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_loop.removeFd(m_fd);
  ::close(m_fd);
}

void SignalWatcher::readAll() {
  PLEXUS_ASSERT_THREAD(m_thread);
  signalfd_siginfo info{};
  while (::read(m_fd, &info, sizeof info) == sizeof info) {
    m_onSignal(static_cast<int>(info.ssi_signo));
  }
}

}  // namespace plexus::host
