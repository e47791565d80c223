#include "delivery/journal_read_walk.h"

#include <algorithm>

namespace plexus::host {

std::uint64_t JournalReadWalk::passTrimmed() {
  if (m_result.firstOffset <= m_position + 1) return 0;
  const std::uint64_t through = std::min(m_result.firstOffset - 1, m_result.reachedThrough);
  if (through <= m_position) return 0;
  m_lane.assignSeq();
  m_trimmed += through - m_position;
  m_position = through;
  return through;
}

void JournalReadWalk::passHoles(std::uint64_t before) {
  for (; m_nextHole < m_result.holes.size() && m_result.holes[m_nextHole].first < before;
       ++m_nextHole) {
    const Hole& hole = m_result.holes[m_nextHole];
    if (hole.last <= m_position) continue;  // met before
    const std::uint64_t last = std::min(hole.last, m_result.reachedThrough);
    if (hole.first > m_position) m_lane.assignSeq();
    m_holes += last - std::max(hole.first, m_position + 1) + 1;
    m_position = last;
  }
}

void JournalReadWalk::finish() {
  passHoles(m_result.reachedThrough + 1);
  m_position = std::max(m_position, m_result.reachedThrough);
}

}  // namespace plexus::host
