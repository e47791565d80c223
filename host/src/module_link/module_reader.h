#pragma once

// ModuleReader: the read loop of a module transport. serveReady() hands every message waiting
// on the transport to the handler (the ModuleServer), in arrival order, but at most
// `fairnessLimit` per call: a flood from the modules must not starve timers, the control socket
// or the flushes of the loop's after-hooks. It returns true when it stopped at the limit; the
// caller then asks the loop to come back before blocking (EventLoop::touch).
// Thread rule: loop thread only.

#include <cstddef>
#include <functional>

#include "module_link/module_transport.h"
#include "plexus/ipc/thread_checker.h"

namespace plexus::host {

class ModuleReader {
 public:
  using Handler = std::function<void(ReceivedMessage& message)>;
  static constexpr std::size_t kFairnessLimit = 1024;

  ModuleReader(ModuleTransport& transport, Handler handler,
               std::size_t fairnessLimit = kFairnessLimit);

  // True when messages may still be waiting (the limit was reached).
  bool serveReady();

 private:
  ModuleTransport& m_transport;
  Handler m_handler;
  std::size_t m_fairnessLimit;
  ReceivedMessage m_received;  // its buffers are reused from message to message
  ThreadChecker m_thread;
};

}  // namespace plexus::host
