#pragma once

// SIGINT and SIGTERM as a request to stop rather than death, for `tail`, which must tell the
// node it is leaving. The handler only sets an atomic flag; the tail loop polls it between
// short waits. SIGPIPE is ignored meanwhile, so a closed stdout is a write error we handle.

#include <signal.h>

#include <atomic>

namespace plexus::ctl {

class StopSignals {
 public:
  StopSignals();   // installs the handlers
  ~StopSignals();  // restores the previous ones
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  static const std::atomic<bool>& flag();

 private:
  struct sigaction m_oldInt {};
  struct sigaction m_oldTerm {};
  struct sigaction m_oldPipe {};
};

}  // namespace plexus::ctl
