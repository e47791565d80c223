#pragma once

// JournalSnapshot: everything a stopped node's journal holds (events, holes, cursors, the last
// offset written and the reservation), read back with the journal's own SQLite reader, and the
// crash-consistency checks of docs/design.md "Journal store" as gtest assertions. Read it only
// while no node runs on the journal.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "journal/journal_types.h"

namespace plexus::test {

struct JournalSnapshot {
  std::vector<host::JournalEvent> events;  // in offset order
  std::vector<host::Hole> holes;           // in offset order
  std::vector<host::Cursor> cursors;       // by module id
  std::uint64_t lastOffset = 0;            // the highest offset written (event or hole)
  std::uint64_t reservedThrough = 0;
  std::string integrity;  // PRAGMA integrity_check: "ok" when the file is sound

  std::optional<host::Cursor> cursor(const std::string& moduleId) const;
  // Whether some recorded hole covers an offset in (after, before).
  bool holeBetween(std::uint64_t after, std::uint64_t before) const;
  // The offsets of the stored events of `type` above `after`, in order.
  std::vector<std::uint64_t> offsetsOf(std::int32_t type, std::uint64_t after = 0) const;
};

// Opens `file` (journal.sqlite) with makeSqliteJournal, reads it whole, closes it.
JournalSnapshot readJournalSnapshot(const std::filesystem::path& file);

// The journal is consistent: offsets strictly increasing; holes ordered, disjoint, holding no
// event; every offset from 1 to lastOffset an event or inside a hole; lastOffset the highest of
// them and within the reservation; every body a whole plexus.v1.Event of its row's type; every
// cursor <= its delivered mark <= lastOffset; SQLite's integrity check passes.
void expectConsistentJournal(const JournalSnapshot& journal);

}  // namespace plexus::test
