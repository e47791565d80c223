#include "runtime/stream_sink.h"

#include <limits.h>
#include <poll.h>
#include <spdlog/pattern_formatter.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace plexus::host {

namespace {

// spdlog's ansicolor_sink colours, by level (trace .. critical, off).
constexpr std::string_view kColors[] = {"\033[37m",        "\033[36m",        "\033[32m",
                                        "\033[33m\033[1m", "\033[31m\033[1m", "\033[1m\033[41m",
                                        "\033[m"};
constexpr std::string_view kReset = "\033[m";

bool regularFile(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

// True when a write would not block now (or fail at once: the caller sees the error).
bool writableNow(int fd) {
  pollfd p{fd, POLLOUT, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLOUT | POLLERR | POLLHUP)) != 0;
}

}  // namespace

StreamSink::StreamSink(int fd, bool colors, std::size_t maxPending)
    : m_fd(fd),
      m_colors(colors),
      m_maxPending(maxPending),
      m_chunk(regularFile(fd) ? SIZE_MAX : PIPE_BUF),
      m_formatter(std::make_unique<spdlog::pattern_formatter>()) {}

StreamSink::~StreamSink() {
  MutexLock lock(m_mutex);
  writePending();
}

bool StreamSink::colorTerminal(int fd) {
  const char* term = std::getenv("TERM");
  return ::isatty(fd) == 1 && term != nullptr && std::string_view(term) != "dumb" &&
         term[0] != '\0';
}

void StreamSink::log(const spdlog::details::log_msg& msg) {
  MutexLock lock(m_mutex);
  writePending();
  if (m_droppedSinceReport > 0 && m_pending.empty() && !m_gone) reportDrops();
  m_line.clear();
  format(msg, m_line);
  if (m_gone || m_pending.size() + m_line.size() > m_maxPending) {
    ++m_droppedSinceReport;
    ++m_droppedTotal;
    return;
  }
  m_pending += m_line;
  writePending();
}

void StreamSink::flush() {
  MutexLock lock(m_mutex);
  writePending();
}

bool StreamSink::drain(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(m_mutex);
  for (;;) {
    writePending();
    if (m_pending.empty() && m_droppedSinceReport > 0 && !m_gone) {
      reportDrops();
      continue;
    }
    if (m_pending.empty() || m_gone) return m_pending.empty();
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{m_fd, POLLOUT, 0};
    ::poll(&p, 1, static_cast<int>(left.count()));
  }
}

void StreamSink::set_pattern(const std::string& pattern) {
  set_formatter(std::make_unique<spdlog::pattern_formatter>(pattern));
}

void StreamSink::set_formatter(std::unique_ptr<spdlog::formatter> formatter) {
  MutexLock lock(m_mutex);
  m_formatter = std::move(formatter);
}

std::uint64_t StreamSink::droppedLines() const {
  MutexLock lock(m_mutex);
  return m_droppedTotal;
}

std::size_t StreamSink::pendingBytes() const {
  MutexLock lock(m_mutex);
  return m_pending.size();
}

void StreamSink::format(const spdlog::details::log_msg& msg, std::string& out) {
  spdlog::memory_buf_t formatted;
  m_formatter->format(msg, formatted);
  const std::string_view text(formatted.data(), formatted.size());
  if (!m_colors || msg.color_range_end <= msg.color_range_start) {
    out.append(text);
    return;
  }
  const auto level = std::min<std::size_t>(static_cast<std::size_t>(msg.level), 6);
  out.append(text.substr(0, msg.color_range_start));
  out.append(kColors[level]);
  out.append(text.substr(msg.color_range_start, msg.color_range_end - msg.color_range_start));
  out.append(kReset);
  out.append(text.substr(msg.color_range_end));
}

// One warning with the count, formatted like any line of the log.
void StreamSink::reportDrops() {
  const std::string text = std::to_string(m_droppedSinceReport) +
                           " log line(s) dropped: the log stream did not take them (blocked)";
  spdlog::details::log_msg msg(spdlog::source_loc{}, "log", spdlog::level::warn, text);
  format(msg, m_pending);
  m_droppedSinceReport = 0;
}

void StreamSink::writePending() {
  std::size_t written = 0;
  while (written < m_pending.size() && writableNow(m_fd)) {
    const std::size_t size = std::min(m_pending.size() - written, m_chunk);
    const ssize_t n = ::write(m_fd, m_pending.data() + written, size);
    if (n > 0) {
      written += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      break;
    } else {
      m_pending.erase(0, written);
      // EPIPE (the reader closed), EIO (a hung-up terminal), EBADF: it will not come back.
      // Anything else (ENOSPC: a full disk) drops what waits and tries again with the next line.
      m_gone = n == 0 || errno == EPIPE || errno == EIO || errno == EBADF;
      dropPending();
      return;
    }
  }
  m_pending.erase(0, written);
}

// Every whole line still pending is dropped, counted; a partly written line is cut.
void StreamSink::dropPending() {
  const auto lines =
      static_cast<std::uint64_t>(std::count(m_pending.begin(), m_pending.end(), '\n'));
  m_droppedSinceReport += lines;
  m_droppedTotal += lines;
  m_pending.clear();
}

}  // namespace plexus::host
