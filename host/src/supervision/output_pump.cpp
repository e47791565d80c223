#include "supervision/output_pump.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <system_error>

#include "plexus/ipc/utf8.h"
#include "runtime/logging.h"

namespace plexus::host {

struct OutputPump::Stream {
  int fd = -1;
  std::string moduleId;
  std::string name;
  std::string partial;         // the current line, up to maxLineBytes
  std::uint64_t cutBytes = 0;  // bytes of the current line beyond maxLineBytes
};

OutputPump::OutputPump(std::size_t maxLineBytes, LineSink sink)
    : m_maxLineBytes(maxLineBytes), m_sink(std::move(sink)) {
  if (!m_sink) {
    m_sink = [](const std::string& moduleId, std::string_view stream, std::string_view line) {
      logger("module." + moduleId)->info("{}: {}", stream, line);
    };
  }
  m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
  if (m_epoll < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.ptr = nullptr;
  ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_incoming.fd(), &wake);
  m_thread = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "plexus-output");
    run();
  });
}

OutputPump::~OutputPump() {
  m_incoming.close();
  m_thread.join();
  ::close(m_epoll);
}

void OutputPump::watch(int fd, std::string moduleId, std::string stream) {
  auto s = std::make_unique<Stream>();
  s->fd = fd;
  s->moduleId = std::move(moduleId);
  s->name = std::move(stream);
  if (!m_incoming.push(std::move(s))) ::close(fd);
}

std::string OutputPump::escape(std::string_view raw) {
  return ipc::escapeText(raw);
}

void OutputPump::run() {
  std::map<int, std::unique_ptr<Stream>> streams;
  std::vector<std::unique_ptr<Stream>> arrived;
  std::vector<char> buffer(std::size_t{64} * 1024);
  bool closing = false;

  auto emit = [&](Stream& s) {
    // CRLF line end: drop the CR before escape() turns it into "\x0d". A cut line's kept part
    // ends mid-line, so its last byte is content.
    if (s.cutBytes == 0 && !s.partial.empty() && s.partial.back() == '\r') s.partial.pop_back();
    std::string line = escape(s.partial);
    if (s.cutBytes > 0) line += " [cut " + std::to_string(s.cutBytes) + " bytes]";
    m_sink(s.moduleId, s.name, line);
    s.partial.clear();
    s.cutBytes = 0;
  };
  auto consume = [&](Stream& s, const char* data, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
      if (data[i] == '\n') {
        emit(s);
      } else if (s.partial.size() < m_maxLineBytes) {
        s.partial += data[i];
      } else {
        ++s.cutBytes;
      }
    }
  };
  // Reads until EAGAIN; false at EOF or error (the stream is finished).
  auto drain = [&](Stream& s) {
    for (;;) {
      ssize_t n = ::read(s.fd, buffer.data(), buffer.size());
      if (n > 0) {
        consume(s, buffer.data(), static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return true;
      return false;
    }
  };
  auto finish = [&](int fd) {
    Stream& s = *streams[fd];
    if (!s.partial.empty() || s.cutBytes > 0) emit(s);
    ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    streams.erase(fd);
  };

  // New streams (and the close request) arrive through m_incoming; adopting them is a lock
  // and a swap, cheap enough for every iteration.
  auto adoptIncoming = [&] {
    arrived.clear();
    m_incoming.drain(arrived);
    for (auto& stream : arrived) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = stream.get();
      const int fd = stream->fd;
      ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev);
      streams[fd] = std::move(stream);
    }
    arrived.clear();
    if (m_incoming.isClosed()) closing = true;
  };

  epoll_event events[32];
  while (!closing || !streams.empty()) {
    const bool queued = m_incoming.prepareToSleep();
    int n = ::epoll_wait(m_epoll, events, 32, closing || queued ? 0 : -1);
    m_incoming.awake();
    if (n < 0) {
      if (errno == EINTR) continue;
      n = 0;
    }
    if (closing && n == 0) break;  // node stopping: whatever is not written yet is gone
    adoptIncoming();
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == nullptr) continue;  // the wake-up itself
      auto* stream = static_cast<Stream*>(events[i].data.ptr);
      if (!drain(*stream)) finish(stream->fd);
    }
  }
  for (auto& [fd, s] : streams) {
    drain(*s);
    if (!s->partial.empty()) emit(*s);
    ::close(fd);
  }
}

}  // namespace plexus::host
