#include "latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <fstream>
#include <system_error>

namespace plexus::bench {

namespace {

constexpr int kSubBits = 7;  // 128 buckets per power of two
constexpr std::uint64_t kSubCount = 1ULL << kSubBits;
constexpr std::size_t kBucketCount = (64 - kSubBits) * kSubCount + kSubCount;

std::size_t bucketOf(std::uint64_t value) {
  if (value < 2 * kSubCount) return static_cast<std::size_t>(value);
  const int shift = static_cast<int>(std::bit_width(value)) - 1 - kSubBits;
  return static_cast<std::size_t>(static_cast<std::uint64_t>(shift) * kSubCount + (value >> shift));
}

std::uint64_t highestOf(std::size_t bucket) {
  if (bucket < 2 * kSubCount) return bucket;
  const std::uint64_t shift = bucket / kSubCount - 1;
  const std::uint64_t mantissa = bucket - shift * kSubCount;
  return ((mantissa + 1) << shift) - 1;
}

}  // namespace

LatencyHistogram::LatencyHistogram() : m_buckets(kBucketCount, 0) {}

void LatencyHistogram::record(std::int64_t latencyNs, std::uint64_t count) {
  if (count == 0) return;
  const auto value = static_cast<std::uint64_t>(std::max<std::int64_t>(latencyNs, 0));
  m_buckets[bucketOf(value)] += count;
  m_count += count;
  m_max = std::max(m_max, static_cast<std::int64_t>(value));
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < m_buckets.size(); ++i)
    m_buckets[i] += other.m_buckets[i];
  m_count += other.m_count;
  m_max = std::max(m_max, other.m_max);
}

void LatencyHistogram::clear() {
  std::fill(m_buckets.begin(), m_buckets.end(), 0);
  m_count = 0;
  m_max = 0;
}

std::int64_t LatencyHistogram::percentile(double p) const {
  if (m_count == 0) return 0;
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(m_count))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < m_buckets.size(); ++i) {
    seen += m_buckets[i];
    if (seen >= rank) return std::min(static_cast<std::int64_t>(highestOf(i)), m_max);
  }
  return m_max;
}

void LatencyHistogram::write(std::ostream& out) const {
  for (std::size_t i = 0; i < m_buckets.size(); ++i) {
    if (m_buckets[i] == 0) continue;
    out << std::min(static_cast<std::int64_t>(highestOf(i)), m_max) << ' ' << m_buckets[i] << '\n';
  }
}

bool writeReport(const std::filesystem::path& path, std::uint64_t received,
                 std::uint64_t droppedSeen, const LatencyHistogram& latencies) {
  auto temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary);
    out << received << ' ' << droppedSeen << '\n';
    latencies.write(out);
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  return !ec;
}

std::optional<ModuleReport> readReport(const std::filesystem::path& path) {
  std::ifstream in(path);
  ModuleReport report;
  if (!(in >> report.received >> report.droppedSeen)) return std::nullopt;
  std::int64_t value = 0;
  std::uint64_t count = 0;
  while (in >> value >> count)
    report.latencies.record(value, count);
  if (!in.eof()) return std::nullopt;
  return report;
}

}  // namespace plexus::bench
