#pragma once

// StreamSink: the spdlog sink of the node's log stream (stderr), written without ever blocking.
// A stream nobody reads (a stopped pager, a full pipe, a terminal on hold) must not freeze the
// thread that logs - the event loop above all. Each write goes out only when poll(2) with a zero
// timeout says the stream takes it, in chunks of at most PIPE_BUF bytes (which a writable pipe
// always takes whole). What the stream does not take yet waits in a bounded buffer (whole
// lines); a line that does not fit is dropped and counted. Once the buffer drained, the next
// line is preceded by one warning with the number of lines dropped. A stream that is gone
// (EPIPE, EIO: a closed pager, a hung-up terminal) is not written again; its lines are counted.
// Another write error (ENOSPC) drops what waits, counted, and the next line tries again.
// The fd is not made O_NONBLOCK: its open file description is shared (with a shell, a pager).
// Thread rule: any thread (every call takes the sink's mutex).

#include <spdlog/formatter.h>
#include <spdlog/sinks/sink.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "plexus/ipc/thread_annotations.h"

namespace plexus::host {

class StreamSink final : public spdlog::sinks::sink {
 public:
  static constexpr std::size_t kMaxPending = std::size_t{64} * 1024;

  // `fd` is not owned. `colors`: ANSI colours around the level name (a terminal).
  StreamSink(int fd, bool colors, std::size_t maxPending = kMaxPending);
  ~StreamSink() override;  // writes what the stream takes now, without blocking

  void log(const spdlog::details::log_msg& msg) override;
  void flush() override;  // writes what is pending as far as the stream takes it now
  // At exit, when nothing else waits: writes what is pending and the count of dropped lines,
  // waiting at most `timeout` for the stream to take them. False when it did not.
  bool drain(std::chrono::milliseconds timeout);
  void set_pattern(const std::string& pattern) override;
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override;

  std::uint64_t droppedLines() const;  // since the start
  std::size_t pendingBytes() const;

  // Whether `fd` is a terminal that shows ANSI colours.
  static bool colorTerminal(int fd);

 private:
  void format(const spdlog::details::log_msg& msg, std::string& out) PLEXUS_REQUIRES(m_mutex);
  void reportDrops() PLEXUS_REQUIRES(m_mutex);
  void writePending() PLEXUS_REQUIRES(m_mutex);
  void dropPending() PLEXUS_REQUIRES(m_mutex);

  const int m_fd;
  const bool m_colors;
  const std::size_t m_maxPending;
  const std::size_t m_chunk;  // bytes per write: PIPE_BUF, or everything for a regular file
  mutable Mutex m_mutex;
  std::unique_ptr<spdlog::formatter> m_formatter PLEXUS_GUARDED_BY(m_mutex);
  std::string m_pending PLEXUS_GUARDED_BY(m_mutex);  // whole lines the stream did not take yet
  std::string m_line PLEXUS_GUARDED_BY(m_mutex);     // scratch
  std::uint64_t m_droppedSinceReport PLEXUS_GUARDED_BY(m_mutex) = 0;
  std::uint64_t m_droppedTotal PLEXUS_GUARDED_BY(m_mutex) = 0;
  bool m_gone PLEXUS_GUARDED_BY(m_mutex) = false;  // a write failed for good
};

}  // namespace plexus::host
