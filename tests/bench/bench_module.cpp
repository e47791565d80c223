// plexus-bench-module: the module side of plexus-bench. Decodes every event of the bench type
// through the SDK (as any module would), measures send-to-handler latency on the steady clock
// (CLOCK_MONOTONIC) from the stamp the bench's publishing thread put in the payload just before
// publishing (bench_event.h), records every latency in a histogram, and when the end marker
// (BroadcastCompleted "end") arrives writes its report (latency_histogram.h) to the file named
// by setting `out`.
// Settings: out (required), type (the bench event type's number; MessageReceived when absent),
// filter (a content filter for that type; none when absent).

#include <plexus/sdk/module.h>

#include <iostream>
#include <string>

#include "bench_event.h"
#include "latency_histogram.h"

int main() {
  try {
    auto module = plexus::sdk::Module::fromEnvironment({"bench", "1.0.0"});
    const std::string out = module.setting("out");
    if (out.empty()) throw std::runtime_error("setting out is required");
    const auto type = static_cast<plexus::v1::EventType>(
        std::stoi(module.setting("type", std::to_string(plexus::v1::EVENT_TYPE_MESSAGE_RECEIVED))));
    const plexus::bench::StampReader reader(type);
    plexus::bench::LatencyHistogram latencies;
    std::uint64_t received = 0;
    std::uint64_t droppedSeen = 0;
    auto onEvent = [&](const plexus::sdk::Delivery& d) {
      const auto now = plexus::bench::steadyNowNs();
      const auto& event = d.event();
      if (event.type() == plexus::v1::EVENT_TYPE_BROADCAST_COMPLETED &&
          event.broadcast_completed().broadcast_id() == "end") {
        if (!plexus::bench::writeReport(out, received, droppedSeen, latencies))
          std::cerr << "plexus-bench-module: cannot write " << out << "\n";
        latencies.clear();
        received = 0;
        droppedSeen = 0;
        return;
      }
      ++received;
      droppedSeen += d.droppedBefore();
      if (auto stamp = reader.read(event)) latencies.record(now - *stamp);
    };
    module.on(type, onEvent, module.setting("filter"));
    if (type != plexus::v1::EVENT_TYPE_BROADCAST_COMPLETED)
      module.on(plexus::v1::EVENT_TYPE_BROADCAST_COMPLETED, onEvent);
    return module.run();
  } catch (const std::exception& e) {
    std::cerr << "plexus-bench-module: " << e.what() << "\n";
    return 1;
  }
}
