#pragma once

// RateLimitedLog: at most one warning per key per interval; the line that gets through says how
// many were suppressed since the previous one. Keeps a slow module from flooding the log.
// Thread rule: single owner thread (no locking).

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

namespace plexus::host {

class RateLimitedLog {
 public:
  using Clock = std::chrono::steady_clock;

  RateLimitedLog(std::shared_ptr<spdlog::logger> log, std::chrono::milliseconds interval)
      : m_log(std::move(log)), m_interval(interval) {}

  // Counts one occurrence of `key`; logs `message()` at warn level when the key's interval has
  // elapsed. Returns true when a line was written.
  template <class MakeMessage>
  bool warn(const std::string& key, MakeMessage&& message, Clock::time_point now = Clock::now()) {
    Entry& entry = m_entries[key];
    ++entry.count;
    if (entry.logged && now - entry.lastLogged < m_interval) return false;
    std::uint64_t suppressed = entry.count - 1;
    entry.count = 0;
    entry.logged = true;
    entry.lastLogged = now;
    if (suppressed > 0) {
      m_log->warn("{} ({} more since the last report)", message(), suppressed);
    } else {
      m_log->warn("{}", message());
    }
    return true;
  }

 private:
  struct Entry {
    Clock::time_point lastLogged{};
    std::uint64_t count = 0;
    bool logged = false;
  };
  std::shared_ptr<spdlog::logger> m_log;
  std::chrono::milliseconds m_interval;
  std::unordered_map<std::string, Entry> m_entries;
};

}  // namespace plexus::host
