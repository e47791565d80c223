#pragma once

// The relayed events at the journal's tail, read once when the node starts (docs/design.md
// "Relayed duplicates"): their (origin node, origin offset), so that the node goes on answering
// a relay module's publish of one it took before the restart as a duplicate. Only the origin is
// decoded (Event field 5, which precedes the payload), not the whole event.
// Thread rule: pure functions over a store the caller owns (the journal's, before its thread
// starts).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "journal/journal_store.h"

namespace plexus::host {

struct RelayedOrigin {
  std::string node;
  std::uint64_t offset = 0;

  bool operator==(const RelayedOrigin&) const = default;
};

// The origin of a serialized v1::Event when it was relayed (origin set with an offset other than
// 0), else false; false also for bytes that are not an event.
bool relayedOriginOf(std::string_view body, RelayedOrigin& out);

// The relayed origins of the stored events among the last `offsets` offsets written, in journal
// order (read in pages of `page` events).
Result<std::vector<RelayedOrigin>> scanRelayedTail(JournalStore& store, std::uint64_t offsets,
                                                   std::size_t page = 4096);

}  // namespace plexus::host
