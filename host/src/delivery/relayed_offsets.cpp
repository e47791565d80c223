#include "delivery/relayed_offsets.h"

#include <algorithm>
#include <cassert>

namespace plexus::host {

RelayedOffsets::RelayedOffsets(std::uint64_t window, std::size_t maxOrigins)
    : m_window(window), m_maxOrigins(maxOrigins) {
  assert(window > 0 && window % 64 == 0 && maxOrigins > 0);
}

bool RelayedOffsets::holds(const Origin& origin, std::uint64_t offset) const {
  if (offset > origin.highest) return false;
  if (origin.highest - offset >= m_window) return true;  // below the window: taken long ago
  const std::uint64_t bit = offset % m_window;
  return ((origin.bits[bit / 64] >> (bit % 64)) & 1u) != 0;
}

void RelayedOffsets::setBit(Origin& origin, std::uint64_t offset, bool value) const {
  const std::uint64_t bit = offset % m_window;
  const std::uint64_t mask = std::uint64_t{1} << (bit % 64);
  if (value) {
    origin.bits[bit / 64] |= mask;
  } else {
    origin.bits[bit / 64] &= ~mask;
  }
}

bool RelayedOffsets::taken(std::string_view node, std::uint64_t offset) const {
  auto it = m_origins.find(node);
  return it != m_origins.end() && holds(it->second, offset);
}

RelayedOffsets::Origin& RelayedOffsets::originFor(std::string_view node) {
  if (auto it = m_origins.find(node); it != m_origins.end()) return it->second;
  if (m_origins.size() >= m_maxOrigins) {
    auto oldest = std::min_element(
        m_origins.begin(), m_origins.end(),
        [](const auto& a, const auto& b) { return a.second.lastTaken < b.second.lastTaken; });
    m_origins.erase(oldest);
    ++m_evicted;
  }
  Origin& origin = m_origins[std::string(node)];
  origin.bits.assign(m_window / 64, 0);
  return origin;
}

bool RelayedOffsets::take(std::string_view node, std::uint64_t offset) {
  Origin& origin = originFor(node);
  if (holds(origin, offset)) return false;
  origin.lastTaken = ++m_clock;
  if (offset > origin.highest) {
    // The window moves up: the offsets it now covers above the old top were not taken yet.
    if (offset - origin.highest >= m_window) {
      std::fill(origin.bits.begin(), origin.bits.end(), 0);
    } else {
      for (std::uint64_t o = origin.highest + 1; o < offset; ++o)
        setBit(origin, o, false);
    }
    origin.highest = offset;
  }
  setBit(origin, offset, true);
  return true;
}

void RelayedOffsets::release(std::string_view node, std::uint64_t offset) {
  auto it = m_origins.find(node);
  if (it == m_origins.end()) return;
  Origin& origin = it->second;
  if (offset > origin.highest || origin.highest - offset >= m_window) return;
  setBit(origin, offset, false);
}

}  // namespace plexus::host
