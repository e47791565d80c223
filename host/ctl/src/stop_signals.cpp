#include "plexus/ctl/stop_signals.h"

namespace plexus::ctl {

namespace {

std::atomic<bool> g_stopRequested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the flag is set in a signal handler");

void onStopSignal(int) {
  g_stopRequested.store(true);
}

}  // namespace

StopSignals::StopSignals() {
  struct sigaction action {};
  action.sa_handler = onStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: the wait in progress returns at once
  ::sigaction(SIGINT, &action, &m_oldInt);
  ::sigaction(SIGTERM, &action, &m_oldTerm);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGPIPE, &ignore, &m_oldPipe);
}

StopSignals::~StopSignals() {
  ::sigaction(SIGINT, &m_oldInt, nullptr);
  ::sigaction(SIGTERM, &m_oldTerm, nullptr);
  ::sigaction(SIGPIPE, &m_oldPipe, nullptr);
}

const std::atomic<bool>& StopSignals::flag() {
  return g_stopRequested;
}

}  // namespace plexus::ctl
