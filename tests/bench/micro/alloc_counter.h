#pragma once

// Counts heap allocations in this process (the micro-benchmark binary replaces global operator
// new), so a benchmark can report allocations per operation next to its time.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>

namespace plexus::bench {

std::uint64_t allocationCount();

// Reports "allocs/op" for the iterations of `state` since `before`.
inline void reportAllocations(benchmark::State& state, std::uint64_t before) {
  state.counters["allocs/op"] = benchmark::Counter(static_cast<double>(allocationCount() - before) /
                                                   static_cast<double>(state.iterations()));
}

}  // namespace plexus::bench
