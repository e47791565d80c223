#pragma once

// SignalWatcher: signals as ordinary event-loop callbacks. The signals are read from a signalfd
// the loop polls, so the handler runs on the loop thread like any other callback (no
// async-signal-safety rules apply to it). The signals must be blocked in every thread of the
// process (blockSignals() before any thread exists), else their default action still happens.
// Thread rule: loop thread only (construct, destroy, and the handler runs there).

#include <functional>
#include <initializer_list>
#include <string>

#include "plexus/ipc/thread_checker.h"
#include "runtime/event_loop.h"

namespace plexus::host {

// Blocks `signals` in the calling thread; threads started later inherit the mask.
void blockSignals(std::initializer_list<int> signals);

// "INT", "TERM": the signal's abbreviation, or its number when it has none.
std::string signalName(int signal);

class SignalWatcher {
 public:
  using Handler = std::function<void(int signal)>;

  // Throws std::runtime_error when no signalfd can be made.
  SignalWatcher(EventLoop& loop, std::initializer_list<int> signals, Handler onSignal);
  ~SignalWatcher();  // leaves the loop and closes the signalfd
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  void readAll();

  EventLoop& m_loop;
  Handler m_onSignal;
  int m_fd = -1;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
