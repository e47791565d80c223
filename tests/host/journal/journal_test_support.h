#pragma once

// Shared by the journal tests: a temporary directory removed at the end, events whose body says
// which offset they belong to (so a torn or misplaced body shows), and serving a Journal's
// queues as the node's loop would.

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "journal/journal.h"
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

// Serves `journal`'s commit notices, and with `withReads` its read results too, as the loop
// would (each queue told before the wait, drained after it), until `done` holds or 5 s passed.
// False at the deadline.
inline bool serveJournalUntil(Journal& journal, const std::function<bool()>& done, bool withReads) {
  using namespace std::chrono_literals;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return false;
    auto& notices = journal.notices();
    auto& reads = journal.reads();
    const bool noticesWaiting = notices.prepareToSleep();  // both: each must be told
    const bool readsWaiting = withReads && reads.prepareToSleep();
    if (!noticesWaiting && !readsWaiting) {
      pollfd items[2] = {{notices.fd(), POLLIN, 0}, {reads.fd(), POLLIN, 0}};
      ::poll(items, withReads ? 2 : 1, static_cast<int>(std::min<long>(left.count(), 50)));
    }
    notices.awake();
    journal.onNotices();
    if (withReads) {
      reads.awake();
      journal.onReads();
    }
  }
  return true;
}

}  // namespace plexus::host::journal_test
