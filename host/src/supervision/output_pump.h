#pragma once

// OutputPump: reads every module's stdout and stderr continuously on its own thread (epoll) and
// forwards them line by line into the node's log as "[module.<id>] <stream>: <line>". Long lines
// are cut at maxLineBytes (the rest is counted, not logged), non-printable bytes are escaped.
// A module writing megabytes never stalls on a full pipe and never slows the event loop.
// Thread rule: watch() from any thread; the pump thread owns the fds once handed over.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "plexus/ipc/wake_queue.h"

namespace plexus::host {

class OutputPump {
 public:
  // Receives each finished line; the default writes it to the module's logger.
  using LineSink = std::function<void(const std::string& moduleId, std::string_view stream,
                                      std::string_view line)>;

  explicit OutputPump(std::size_t maxLineBytes = 4096, LineSink sink = {});
  ~OutputPump();  // stops the thread, flushes partial lines, closes every fd
  OutputPump(const OutputPump&) = delete;
  OutputPump& operator=(const OutputPump&) = delete;

  // Hands `fd` (non-blocking read end) over to the pump; it is closed at EOF.
  void watch(int fd, std::string moduleId, std::string stream);

  // Keeps printable ASCII, tab and well-formed UTF-8; escapes every other byte as \xNN, so
  // binary output cannot corrupt the log.
  static std::string escape(std::string_view raw);

 private:
  struct Stream;
  void run();

  std::size_t m_maxLineBytes;
  LineSink m_sink;
  int m_epoll = -1;
  ipc::WakeQueue<std::unique_ptr<Stream>> m_incoming;
  std::thread m_thread;
};

}  // namespace plexus::host
