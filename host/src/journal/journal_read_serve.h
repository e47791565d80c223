#pragma once

// serveRead: one ReadRequest answered from a journal's reads - by the journal thread on its own
// connection (JournalWriter) or by the reader thread on a second one (JournalReader).
// Thread rule: the calling thread must own `store` (JournalStore's rule).

#include <cstdint>
#include <vector>

#include "journal/journal_store.h"
#include "journal/journal_writer.h"

namespace plexus::host {

// `lastOffset`: the highest offset stored (event or hole) as far as the caller knows, used when
// the journal holds no event; `pendingHoles`: offsets of failed groups not yet recorded, which
// hold no event either (holes to the reader). The reads run in one snapshot of `store`.
ReadResult serveRead(JournalReads& store, const ReadRequest& request, std::uint64_t lastOffset,
                     const std::vector<Hole>& pendingHoles = {});

}  // namespace plexus::host
