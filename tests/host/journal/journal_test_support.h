#pragma once

// Shared by the journal tests: a temporary directory removed at the end, and events whose body
// says which offset they belong to (so a torn or misplaced body shows).

#include <cstdint>
#include <string>

#include "journal/journal_types.h"
#include "temp_dir.h"

namespace plexus::host::journal_test {

// A temporary directory named for the journal tests.
class TempDir : public ::plexus::test::TempDir {
 public:
  TempDir() : ::plexus::test::TempDir("plexus-journal-test-") {}
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
