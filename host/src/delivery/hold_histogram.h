#pragma once

// HoldHistogram: how long a module's events were held in its channel, from acceptance to the ack
// that released them, in fixed buckets (no allocation; one compare loop per released event). It
// counts since node start: stats resets do not touch it. AcceptTime: the two clocks an
// acceptance records, read once per publish (the wall clock for last_event_at, the steady one
// for the hold time).
// Thread rule: owned by a ModuleSlot (loop thread).

#include <array>
#include <cstddef>
#include <cstdint>

namespace plexus::host {

struct AcceptTime {
  // Implicit by design: a wall time alone records no hold time (steadyNs 0).
  AcceptTime(std::int64_t wall = -1,
             std::int64_t steady = 0)  // NOLINT(google-explicit-constructor)
      : wallMs(wall), steadyNs(steady) {}
  std::int64_t wallMs;    // Unix ms; -1 = not read yet
  std::int64_t steadyNs;  // steady clock; 0 = none (no hold time is observed)
};

struct HoldHistogram {
  // Upper bounds (le), in ns: 100 us to 10 s.
  static constexpr std::array<std::int64_t, 16> kBoundsNs{
      100'000,       250'000,       500'000,       1'000'000,     2'500'000,   5'000'000,
      10'000'000,    25'000'000,    50'000'000,    100'000'000,   250'000'000, 500'000'000,
      1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};

  std::array<std::uint64_t, kBoundsNs.size() + 1> counts{};  // the last: past every bound (+Inf)
  std::uint64_t sumNs = 0;

  void observe(std::int64_t heldNs) {
    if (heldNs < 0) heldNs = 0;
    std::size_t i = 0;
    while (i < kBoundsNs.size() && heldNs > kBoundsNs[i])
      ++i;
    ++counts[i];
    sumNs += static_cast<std::uint64_t>(heldNs);
  }
};

}  // namespace plexus::host
