#pragma once

// Shared by the journal tests: a temporary directory removed at the end, and events whose body
// says which offset they belong to (so a torn or misplaced body shows).

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include "journal/journal_types.h"

namespace plexus::host::journal_test {

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "plexus-journal-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
    m_path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path file(const std::string& name) const { return m_path / name; }

 private:
  std::filesystem::path m_path;
};

// The body of the event at `offset`: "event <offset>" padded with a pattern to `size` bytes.
inline std::string bodyFor(std::uint64_t offset, std::size_t size = 32) {
  std::string body = "event " + std::to_string(offset) + ":";
  while (body.size() < size)
    body.push_back(static_cast<char>('a' + (offset + body.size()) % 26));
  body.resize(std::max(size, body.size()));
  return body;
}

inline JournalEvent eventAt(std::uint64_t offset, std::int32_t type = 1, std::int64_t timeNs = 0,
                            std::size_t size = 32) {
  return JournalEvent{offset, timeNs != 0 ? timeNs : static_cast<std::int64_t>(offset) * 1000, type,
                      bodyFor(offset, size)};
}

}  // namespace plexus::host::journal_test
