#include "journal/journal_store.h"

#include <algorithm>
#include <utility>

namespace plexus::host {

const char* holeReasonName(Hole::Reason reason) {
  switch (reason) {
    case Hole::Reason::WriteFailed:
      return "write_failed";
    case Hole::Reason::Crash:
      return "crash";
    case Hole::Reason::Overflow:
      return "overflow";
  }
  return "unknown";
}

Error makeStorageError(const std::string& what) {
  return makeError(v1::ERROR_CODE_UNAVAILABLE, "journal storage: " + what);
}

bool isStorageFailure(const Error& error) {
  return error.code == v1::ERROR_CODE_UNAVAILABLE;
}

std::string checkBatch(const JournalBatch& batch, std::uint64_t lastOffset) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  ranges.reserve(batch.events.size() + batch.holes.size());
  for (const JournalEvent& event : batch.events)
    ranges.emplace_back(event.offset, event.offset);
  for (const Hole& hole : batch.holes) {
    if (hole.first > hole.last) return "a hole whose first offset is above its last";
    ranges.emplace_back(hole.first, hole.last);
  }
  std::sort(ranges.begin(), ranges.end());
  std::uint64_t previous = lastOffset;
  for (const auto& [first, last] : ranges) {
    if (first == 0) return "offset 0 (offsets start at 1)";
    if (first <= previous)
      return "offset " + std::to_string(first) + " is not above " + std::to_string(previous);
    previous = last;
  }
  return {};
}

}  // namespace plexus::host
