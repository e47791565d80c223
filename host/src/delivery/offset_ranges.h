#pragma once

// OffsetRanges: a set of journal offsets kept as sorted, disjoint, inclusive ranges - a durable
// module's offsets acked above its cursor (Cursor::ackedAbove; docs/design.md "Critical events
// of a durable module"). Few ranges in practice: out-of-order acks come from the critical lane.
// Thread rule: a plain value, owned by its DurableState (loop thread).

#include <cstdint>
#include <utility>
#include <vector>

namespace plexus::host {

class OffsetRanges {
 public:
  using Range = std::pair<std::uint64_t, std::uint64_t>;  // first, last (inclusive)

  OffsetRanges() = default;
  // From stored ranges (ascending, disjoint); others are merged as inserted.
  explicit OffsetRanges(const std::vector<Range>& ranges);

  // Adds [first, last] (first <= last), merging with neighbours it touches.
  void insert(std::uint64_t first, std::uint64_t last);
  void insert(std::uint64_t offset) { insert(offset, offset); }
  bool contains(std::uint64_t offset) const;
  // Forgets every offset <= through.
  void eraseThrough(std::uint64_t through);
  // With `cursor` everything up to it: the end of the run of ranges that continues it, or
  // `cursor` when the first range does not begin at cursor + 1.
  std::uint64_t extend(std::uint64_t cursor) const;

  bool empty() const { return m_ranges.empty(); }
  const std::vector<Range>& ranges() const { return m_ranges; }

 private:
  std::vector<Range> m_ranges;
};

}  // namespace plexus::host
