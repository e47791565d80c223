// serveRead: a read of the journal, and what retention trimmed before it.

#include "journal/journal_read_serve.h"

#include <algorithm>
#include <utility>

namespace plexus::host {

namespace {

// The trimmedBefore of a read starting at `from` (with sinceNs, `bySince`).
Result<std::uint64_t> trimmedBefore(JournalReads& store, std::uint64_t from, std::uint64_t to,
                                    std::uint64_t first, bool bySince, std::uint64_t lastOffset) {
  // With sinceNs, events below the oldest may have been at or after the time too.
  if (bySince) from = (first != 0 && from == first) ? 1 : first + 1;
  const std::uint64_t below = first != 0 ? first - 1 : std::min(to, lastOffset);
  if (from == 0 || from > below) return std::uint64_t{0};
  // Offsets below the oldest event are holes or trimmed events: trimmed unless holes cover them.
  Result<std::vector<Hole>> holes = store.holes(from, below);
  if (!holes) return holes.error();
  std::uint64_t covered = from - 1;
  for (const Hole& hole : *holes) {
    if (hole.first > covered + 1) break;
    covered = std::max(covered, hole.last);
  }
  if (covered >= below) return std::uint64_t{0};
  return first != 0 ? first : lastOffset + 1;
}

// Ends the snapshot however the read ends.
class SnapshotScope {
 public:
  explicit SnapshotScope(JournalReads& store) : m_store(store) {}
  ~SnapshotScope() { m_store.endSnapshot(); }
  SnapshotScope(const SnapshotScope&) = delete;
  SnapshotScope& operator=(const SnapshotScope&) = delete;

 private:
  JournalReads& m_store;
};

}  // namespace

ReadResult serveRead(JournalReads& store, const ReadRequest& request, std::uint64_t lastOffset,
                     const std::vector<Hole>& pendingHoles) {
  ReadResult result;
  result.id = request.id;
  std::uint64_t from = request.from;
  auto fail = [&](const Error& error) {
    result.events.clear();
    result.holes.clear();
    result.reachedThrough = from - 1;
    result.ok = false;
    result.error = error.message;
  };
  if (Status begun = store.beginSnapshot(); !begun) {
    fail(begun.error());
    return result;
  }
  SnapshotScope snapshot(store);
  Result<std::uint64_t> first = store.firstOffset();
  if (request.sinceNs != 0 && first) {
    Result<std::uint64_t> found = store.offsetAtOrAfter(request.sinceNs);
    if (!found)
      first = found.error();
    else
      from = *found != 0 ? *found : request.to + 1;
  }
  result.from = from;
  Result<std::vector<JournalEvent>> events =
      first ? store.read(from, request.to, request.maxEvents, request.types)
            : Result<std::vector<JournalEvent>>(first.error());
  Result<std::uint64_t> trimmed =
      events ? trimmedBefore(store, from, request.to, *first, request.sinceNs != 0, lastOffset)
             : events.error();
  if (!first) {
    fail(first.error());
    return result;
  }
  if (!events) {
    fail(events.error());
    return result;
  }
  if (!trimmed) {
    fail(trimmed.error());
    return result;
  }
  result.events = std::move(*events);
  result.firstOffset = *first;
  result.trimmedBefore = *trimmed;
  result.reachedThrough =
      result.events.size() < request.maxEvents ? request.to : result.events.back().offset;
  Result<std::vector<Hole>> holes = store.holes(from, result.reachedThrough);
  if (!holes) {
    fail(holes.error());
    return result;
  }
  result.holes = std::move(*holes);
  bool added = false;
  for (const Hole& hole : pendingHoles) {
    if (hole.last < from || hole.first > result.reachedThrough) continue;
    result.holes.push_back(hole);
    added = true;
  }
  if (added)
    std::sort(result.holes.begin(), result.holes.end(),
              [](const Hole& a, const Hole& b) { return a.first < b.first; });
  return result;
}

}  // namespace plexus::host
