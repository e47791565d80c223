#include "journal/offset_allocator.h"

#include <algorithm>
#include <cassert>

namespace plexus::host {

Result<OffsetAllocator> OffsetAllocator::open(JournalStore& store, std::uint64_t block) {
  block = std::max<std::uint64_t>(block, 1);
  const std::uint64_t last = store.lastOffset();
  const std::uint64_t reserved = store.reservedThrough();
  const std::uint64_t base = std::max(last, reserved);
  JournalBatch batch;
  std::optional<Hole> crashHole;
  if (reserved > last) {
    crashHole = Hole{last + 1, reserved, Hole::Reason::Crash};
    batch.holes.push_back(*crashHole);
  }
  batch.reservedThrough = base + 2 * block;
  if (Status written = store.append(batch); !written) return written.error();
  return OffsetAllocator(base + 1, batch.reservedThrough, block, crashHole);
}

std::optional<std::uint64_t> OffsetAllocator::allocate() {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (m_next > m_reserved) return std::nullopt;
  return m_next++;
}

void OffsetAllocator::giveBack(std::uint64_t offset) {
  PLEXUS_ASSERT_THREAD(m_thread);
  assert(offset + 1 == m_next);
  m_next = offset;
}

std::uint64_t OffsetAllocator::headroom() const {
  PLEXUS_ASSERT_THREAD(m_thread);
  return m_reserved >= m_next ? m_reserved - m_next + 1 : 0;
}

std::uint64_t OffsetAllocator::wantedReservation(std::uint64_t block) const {
  block = std::max<std::uint64_t>(block, 1);
  if (headroom() >= block) return 0;
  return m_next - 1 + 2 * block;
}

void OffsetAllocator::onReserved(std::uint64_t through) {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_reserved = std::max(m_reserved, through);
}

}  // namespace plexus::host
