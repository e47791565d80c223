// plexus-test-bridge-probe: records every NewBlock it gets, for the bridge tests, one line each
// in the file named by its first argument (its node's name is the second):
//   <origin node> <origin offset> <source> <height> <latency us>
// A relayed event: its origin's node and offset, latency now - origin.published_at_unix_ns
// (same machine). A local one (no origin): the node's name, its journal offset
// (Delivery::offset()), latency now - published_at_unix_ns.

#include <plexus/sdk/module.h>

#include <chrono>
#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: plexus-test-bridge-probe REPORT NODE\n";
    return 2;
  }
  try {
    auto module = plexus::sdk::Module::fromEnvironment({"bridge-probe", "1.0.0"});
    std::ofstream report(argv[1], std::ios::app);
    const std::string node = argv[2];
    module.on(plexus::v1::EVENT_TYPE_NEW_BLOCK, [&](const plexus::sdk::Delivery& d) {
      const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      const auto& event = d.event();
      const bool relayed = event.has_origin();
      const std::int64_t publishedAt =
          relayed ? event.origin().published_at_unix_ns() : event.published_at_unix_ns();
      report << (relayed ? event.origin().node() : node) << ' '
             << (relayed ? event.origin().offset() : d.offset()) << ' ' << event.source() << ' '
             << event.new_block().height() << ' ' << (now - publishedAt) / 1000 << '\n';
      report.flush();
    });
    return module.run();
  } catch (const std::exception& e) {
    std::cerr << "plexus-test-bridge-probe: " << e.what() << "\n";
    return 1;
  }
}
