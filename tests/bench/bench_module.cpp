// plexus-bench-module: the module side of plexus-bench. Decodes every event through the SDK
// (as any module would), measures publish-to-handler latency on the monotonic clock from the
// publish time the node stamped, and when the end marker (BroadcastCompleted) arrives writes
// "<received> <p50_ns> <p99_ns> <dropped_seen>" to the file named by setting `out`.
// Settings: out (required), expect (events to preallocate for).

#include <plexus/sdk/module.h>
#include <time.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <vector>

namespace {

std::int64_t monotonicNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t percentile(std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto index =
      std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())));
  return sorted[index];
}

}  // namespace

int main() {
  try {
    auto module = plexus::sdk::Module::fromEnvironment({"bench", "1.0.0"});
    const std::string out = module.setting("out");
    if (out.empty()) throw std::runtime_error("setting out is required");
    std::vector<std::int64_t> latencies;
    latencies.reserve(std::stoull(module.setting("expect", "1000000")));
    std::uint64_t droppedSeen = 0;
    module.on(plexus::v1::EVENT_TYPE_MESSAGE_RECEIVED, [&](const plexus::sdk::Delivery& d) {
      latencies.push_back(monotonicNs() - d.event().published_mono_ns());
      droppedSeen += d.droppedBefore();
    });
    module.on(plexus::v1::EVENT_TYPE_BROADCAST_COMPLETED, [&](const plexus::sdk::Delivery&) {
      std::vector<std::int64_t> sorted = latencies;
      std::sort(sorted.begin(), sorted.end());
      std::ofstream(out) << latencies.size() << " " << percentile(sorted, 0.50) << " "
                         << percentile(sorted, 0.99) << " " << droppedSeen << "\n";
      latencies.clear();
      droppedSeen = 0;
    });
    return module.run();
  } catch (const std::exception& e) {
    std::cerr << "plexus-bench-module: " << e.what() << "\n";
    return 1;
  }
}
