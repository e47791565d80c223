// plexus-bench-module: the module side of plexus-bench. Decodes every event of the bench type
// through the SDK (as any module would), measures send-to-handler latency on the steady clock
// (CLOCK_MONOTONIC) from the stamp the bench's publishing thread put in the payload just before
// publishing (bench_event.h), records every latency in a histogram, and when the end marker
// (BroadcastCompleted "end") arrives writes its report (latency_histogram.h) to the file named
// by setting `out`.
// Settings: out (required), type (the bench event type's number; MessageReceived when absent),
// filter (a content filter for that type; none when absent), handler_us (each handler sleeps
// that long; default 0), critical ("1": also ChainReorg events, stamped, whose latencies go to
// a second report, `out`.critical).

#include <plexus/sdk/module.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

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
    const plexus::bench::StampReader criticalReader(plexus::v1::EVENT_TYPE_CHAIN_REORG);
    const auto handlerTime =
        std::chrono::microseconds(std::stol(module.setting("handler_us", "0")));
    struct Tally {
      plexus::bench::LatencyHistogram latencies;
      std::uint64_t received = 0;
      std::uint64_t droppedSeen = 0;
      bool write(const std::string& path) {
        const bool ok = plexus::bench::writeReport(path, received, droppedSeen, latencies);
        if (!ok) std::cerr << "plexus-bench-module: cannot write " << path << "\n";
        *this = Tally();
        return ok;
      }
    };
    Tally bench, critical;
    const bool withCritical = module.setting("critical") == "1";
    auto onEvent = [&](const plexus::sdk::Delivery& d) {
      const auto now = plexus::bench::steadyNowNs();
      const auto& event = d.event();
      if (event.type() == plexus::v1::EVENT_TYPE_BROADCAST_COMPLETED &&
          event.broadcast_completed().broadcast_id() == "end") {
        if (withCritical) critical.write(out + ".critical");
        bench.write(out);  // last: the bench waits for this file
        return;
      }
      const bool isCritical = withCritical && event.type() == plexus::v1::EVENT_TYPE_CHAIN_REORG;
      Tally& tally = isCritical ? critical : bench;
      ++tally.received;
      tally.droppedSeen += d.droppedBefore();
      if (auto stamp = (isCritical ? criticalReader : reader).read(event))
        tally.latencies.record(now - *stamp);
      if (handlerTime.count() > 0) std::this_thread::sleep_for(handlerTime);
    };
    module.on(type, onEvent, module.setting("filter"));
    if (withCritical) module.on(plexus::v1::EVENT_TYPE_CHAIN_REORG, onEvent);
    if (type != plexus::v1::EVENT_TYPE_BROADCAST_COMPLETED)
      module.on(plexus::v1::EVENT_TYPE_BROADCAST_COMPLETED, onEvent);
    return module.run();
  } catch (const std::exception& e) {
    std::cerr << "plexus-bench-module: " << e.what() << "\n";
    return 1;
  }
}
