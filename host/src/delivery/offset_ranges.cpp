#include "delivery/offset_ranges.h"

#include <algorithm>

namespace plexus::host {

OffsetRanges::OffsetRanges(const std::vector<Range>& ranges) {
  for (const auto& [first, last] : ranges) {
    if (first <= last) insert(first, last);
  }
}

void OffsetRanges::insert(std::uint64_t first, std::uint64_t last) {
  // The first range that ends at or after first - 1 (it may touch or overlap).
  auto it = std::lower_bound(
      m_ranges.begin(), m_ranges.end(), first,
      [](const Range& range, std::uint64_t value) { return range.second + 1 < value; });
  auto end = it;
  while (end != m_ranges.end() && end->first <= last + 1) {
    first = std::min(first, end->first);
    last = std::max(last, end->second);
    ++end;
  }
  it = m_ranges.erase(it, end);
  m_ranges.insert(it, {first, last});
}

bool OffsetRanges::contains(std::uint64_t offset) const {
  auto it = std::lower_bound(
      m_ranges.begin(), m_ranges.end(), offset,
      [](const Range& range, std::uint64_t value) { return range.second < value; });
  return it != m_ranges.end() && it->first <= offset;
}

void OffsetRanges::eraseThrough(std::uint64_t through) {
  auto it = m_ranges.begin();
  while (it != m_ranges.end() && it->second <= through)
    ++it;
  it = m_ranges.erase(m_ranges.begin(), it);
  if (it != m_ranges.end() && it->first <= through) it->first = through + 1;
}

std::uint64_t OffsetRanges::extend(std::uint64_t cursor) const {
  for (const auto& [first, last] : m_ranges) {
    if (last <= cursor) continue;
    if (first > cursor + 1) break;
    cursor = last;
  }
  return cursor;
}

}  // namespace plexus::host
