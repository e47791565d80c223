#pragma once

// LatencyHistogram: every latency of a plexus-bench run in log-linear buckets (exact below
// 256 ns, then 128 buckets per power of two: under 0.8 % relative error), with the exact
// maximum. The bench module records into one and writes it as its report; plexus-bench merges
// the modules' reports into one and prints its percentiles.
//
// Report file (what any module run by plexus-bench writes, see plexus-bench --help):
//   <received> <dropped_seen>
//   <latency_ns> <count>      (any number of lines; a value may repeat)

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <vector>

namespace plexus::bench {

class LatencyHistogram {
 public:
  LatencyHistogram();

  void record(std::int64_t latencyNs, std::uint64_t count = 1);
  void merge(const LatencyHistogram& other);
  void clear();

  std::uint64_t count() const { return m_count; }
  std::int64_t max() const { return m_max; }
  // The smallest recorded value v such that a fraction p of the samples are <= v, at the
  // bucket's precision (its highest value, never above the maximum); 0 when empty.
  std::int64_t percentile(double p) const;

  // "<value> <count>" lines, one per non-empty bucket (value: the bucket's highest value,
  // clamped to the maximum, so a reader records it into the same bucket).
  void write(std::ostream& out) const;

 private:
  std::vector<std::uint64_t> m_buckets;
  std::uint64_t m_count = 0;
  std::int64_t m_max = 0;
};

struct ModuleReport {
  std::uint64_t received = 0;
  std::uint64_t droppedSeen = 0;
  LatencyHistogram latencies;
};

// Writes the report to `path` atomically (a temporary file renamed over it).
bool writeReport(const std::filesystem::path& path, std::uint64_t received,
                 std::uint64_t droppedSeen, const LatencyHistogram& latencies);
// nullopt when the file is missing or malformed.
std::optional<ModuleReport> readReport(const std::filesystem::path& path);

}  // namespace plexus::bench
