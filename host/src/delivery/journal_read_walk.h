#pragma once

// JournalReadWalk: the gaps of one journal read (ReadResult), for a reader that has taken every
// offset up to `position` - a durable module catching up, or a replay on request. Retention that
// removed offsets before the reader got to them, and recorded holes, each cost the reader's lane
// one sequence number (so the next event's dropped_before shows the gap) and are counted by
// offset (`trimmed`, `holes`). A hole straddling two reads is one gap: the first read counts it.
// Thread rule: a plain value, used on the loop thread within one call.

#include <cstddef>
#include <cstdint>

#include "delivery/delivery_channel.h"
#include "journal/journal_writer.h"

namespace plexus::host {

class JournalReadWalk {
 public:
  JournalReadWalk(const ReadResult& result, std::uint64_t& position, DeliveryChannel& lane)
      : m_result(result), m_position(position), m_lane(lane) {}

  // What retention removed between `position` and the oldest event: one gap. Returns the last
  // trimmed offset passed (0 when none).
  std::uint64_t passTrimmed();
  // Recorded holes that begin before `before`: each one gap.
  void passHoles(std::uint64_t before);
  // Everything the read looked at: the holes up to its end, then its end.
  void finish();

  std::uint64_t holes() const { return m_holes; }
  std::uint64_t trimmed() const { return m_trimmed; }

 private:
  const ReadResult& m_result;
  std::uint64_t& m_position;
  DeliveryChannel& m_lane;
  std::size_t m_nextHole = 0;
  std::uint64_t m_holes = 0;
  std::uint64_t m_trimmed = 0;
};

}  // namespace plexus::host
