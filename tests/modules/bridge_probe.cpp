// plexus-test-bridge-probe: records every NewBlock it gets, for the bridge tests, one line each
// in the file named by its first argument:
//   <origin node> <origin offset> <source> <height> <latency us>
// origin offset: the event's origin.offset, or its own journal offset (Delivery::offset()) when
// the origin is 0 (a local event); latency: now - origin.published_at_unix_ns (same machine).

#include <plexus/sdk/module.h>

#include <chrono>
#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: plexus-test-bridge-probe REPORT\n";
    return 2;
  }
  try {
    auto module = plexus::sdk::Module::fromEnvironment({"bridge-probe", "1.0.0"});
    std::ofstream report(argv[1], std::ios::app);
    module.on(plexus::v1::EVENT_TYPE_NEW_BLOCK, [&](const plexus::sdk::Delivery& d) {
      const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      const auto& origin = d.event().origin();
      const std::uint64_t offset = origin.offset() != 0 ? origin.offset() : d.offset();
      report << origin.node() << ' ' << offset << ' ' << d.event().source() << ' '
             << d.event().new_block().height() << ' '
             << (now - origin.published_at_unix_ns()) / 1000 << '\n';
      report.flush();
    });
    return module.run();
  } catch (const std::exception& e) {
    std::cerr << "plexus-test-bridge-probe: " << e.what() << "\n";
    return 1;
  }
}
