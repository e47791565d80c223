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

ReservationSizer::ReservationSizer(std::uint64_t minBlock, std::uint64_t maxBlock,
                                   std::size_t queueCapacity)
    : m_minBlock(std::max<std::uint64_t>(minBlock, 1)),
      m_maxBlock(std::max(maxBlock, m_minBlock)),
      m_queueCapacity(queueCapacity),
      m_block(m_minBlock) {}

void ReservationSizer::sample(std::uint64_t demand, Clock::time_point now) {
  m_nextSample = demand + kWindow;
  if (m_sampledAt) {
    // At least a microsecond: a window of offsets asked for in no measurable time is a burst.
    const double seconds =
        std::max(std::chrono::duration<double>(now - *m_sampledAt).count(), 1e-6);
    const double rate = static_cast<double>(demand - m_sampledDemand) / seconds;
    m_rate = rate >= m_rate ? rate : (m_rate + rate) / 2;
    resize();
  }
  m_sampledAt = now;
  m_sampledDemand = demand;
}

void ReservationSizer::roundTrip(Clock::duration took) {
  const auto ns = static_cast<double>(std::chrono::nanoseconds(took).count());
  m_roundTripNs = std::max(ns, (m_roundTripNs + ns) / 2);
  resize();
}

void ReservationSizer::writerWrote(std::uint64_t events, std::chrono::nanoseconds took) {
  if (events == 0 || took.count() <= 0) return;
  m_writerNsPerEvent = static_cast<double>(took.count()) / static_cast<double>(events);
  resize();
}

void ReservationSizer::resize() {
  double horizonNs = m_roundTripNs;
  // Faster than the writer: its queue fills, and a round trip may wait for a whole queue.
  if (m_rate * m_writerNsPerEvent > 1e9)
    horizonNs = std::max(horizonNs, static_cast<double>(m_queueCapacity) * m_writerNsPerEvent);
  const double wanted = 2 * m_rate * horizonNs / 1e9;
  m_block = static_cast<std::uint64_t>(
      std::clamp(wanted, static_cast<double>(m_minBlock), static_cast<double>(m_maxBlock)));
}

}  // namespace plexus::host
