#pragma once

// The journal's values (issue 13, docs/design.md "Journal store"): events with their node-wide
// offsets, recorded holes (offsets that will never hold an event), durable modules' cursors,
// retention and statistics. Plain values: any thread.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace plexus::host {

// One journaled event. `offset`: node-wide, strictly increasing, never reused (> 0).
struct JournalEvent {
  std::uint64_t offset = 0;
  std::int64_t timeNs = 0;  // wall-clock time of the publish, nanoseconds since the epoch
  std::int32_t type = 0;    // v1::EventType
  std::string body;         // the serialized event

  bool operator==(const JournalEvent&) const = default;
};

// Offsets [first, last] that hold no event, and why.
struct Hole {
  enum class Reason : std::int32_t {
    WriteFailed = 1,  // the store refused the write (disk full, I/O error)
    Crash = 2,        // reserved but not written when the node stopped without a commit
    Overflow = 3,     // the writer's queue was full and the publisher did not wait
  };
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  Reason reason = Reason::WriteFailed;

  std::uint64_t size() const { return last - first + 1; }
  bool operator==(const Hole&) const = default;
};

const char* holeReasonName(Hole::Reason reason);

// A durable module's position: it acked every offset <= cursor, and the ranges in
// `ackedAbove` (inclusive, ascending, disjoint, all above cursor). `deliveredThrough`: the
// highest offset ever sent to any incarnation of the module (events above `cursor` up to it
// come back flagged redelivered); 0 when none, or when read from a schema v1 file.
struct Cursor {
  std::string moduleId;
  std::uint64_t cursor = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ackedAbove;
  std::int64_t updatedNs = 0;
  std::uint64_t deliveredThrough = 0;

  bool operator==(const Cursor&) const = default;
};

struct JournalStats {
  std::uint64_t firstOffset = 0;  // of the oldest stored event, 0 when none
  std::uint64_t lastOffset = 0;   // the highest offset ever written (event or hole), 0 when none
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;        // the stored bodies' sizes
  std::int64_t oldestTimeNs = 0;  // of the oldest stored event, 0 when none
  std::uint64_t holes = 0;        // recorded hole ranges still stored
  std::uint64_t holeOffsets = 0;  // the offsets they cover
  std::uint64_t failures = 0;     // failed writes since this store was opened
  std::uint64_t reservedThrough = 0;
};

// Retention: each limit 0 = unlimited. Trimming removes the oldest events (by offset) until
// every limit holds.
struct Retention {
  std::uint64_t maxEvents = 0;
  std::uint64_t maxBytes = 0;  // of bodies
  std::int64_t maxAgeNs = 0;

  bool unlimited() const { return maxEvents == 0 && maxBytes == 0 && maxAgeNs == 0; }
};

struct TrimResult {
  std::uint64_t events = 0;       // events removed
  std::uint64_t bytes = 0;        // their bodies' sizes
  std::uint64_t holes = 0;        // hole ranges removed (wholly below the new first offset)
  std::uint64_t firstOffset = 0;  // the oldest event left, 0 when none
};

// One transaction: events (offsets strictly increasing, above every offset written before),
// holes (likewise above, disjoint from the events), cursors to store, the module ids whose
// cursor is deleted (after the cursors are stored), and the reservation to persist (0: leave
// it; never lowered).
struct JournalBatch {
  std::vector<JournalEvent> events;
  std::vector<Hole> holes;
  std::vector<Cursor> cursors;
  std::vector<std::string> forgetCursors;
  std::uint64_t reservedThrough = 0;
};

}  // namespace plexus::host
