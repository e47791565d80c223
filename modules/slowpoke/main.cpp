// plexus-slowpoke: a deliberately slow module. Its handler sleeps `delay_ms` per event, so its
// channel fills and the node drops (drop policy) or holds back publishers (block policy).
// Settings: delay_ms (default 100), types = comma-separated event types (default: every type a
// module may publish, i.e. every non-host-only type), out = a file that gets one line
// "<seq> <dropped_before>" per handled event (for checking the sequence gaps).

#include <plexus/sdk/module.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "plexus/ipc/event_types.h"

int main() {
  try {
    auto module = plexus::sdk::Module::fromEnvironment({"slowpoke", "1.0.0"});
    const auto delay = std::chrono::milliseconds(std::stoll(module.setting("delay_ms", "100")));
    std::vector<plexus::v1::EventType> types;
    const std::string setting = module.setting("types");
    if (setting.empty()) {
      for (auto type : plexus::ipc::allEventTypes()) {
        if (!plexus::ipc::isHostOnly(type)) types.push_back(type);
      }
    } else {
      std::stringstream list(setting);
      std::string name;
      while (std::getline(list, name, ',')) {
        auto type = plexus::ipc::parseEventType(name);
        if (!type) throw std::invalid_argument("setting types: unknown event type '" + name + "'");
        types.push_back(*type);
      }
    }
    std::ofstream out;
    if (!module.setting("out").empty()) {
      out.open(module.setting("out"), std::ios::app);
      if (!out) throw std::runtime_error("cannot open setting out='" + module.setting("out") + "'");
    }
    std::uint64_t handled = 0, dropped = 0;
    for (auto type : types) {
      module.on(type, [&](const plexus::sdk::Delivery& d) {
        ++handled;
        dropped += d.droppedBefore();
        if (out.is_open()) out << d.sequence() << " " << d.droppedBefore() << std::endl;
        if (d.droppedBefore() > 0) {
          std::cout << "slowpoke: " << d.droppedBefore() << " event(s) dropped before seq "
                    << d.sequence() << " (handled " << handled << ", dropped " << dropped
                    << " so far)" << std::endl;
        }
        std::this_thread::sleep_for(delay);
      });
    }
    return module.run();
  } catch (const std::exception& e) {
    std::cerr << "plexus-slowpoke: " << e.what() << "\n";
    return 1;
  }
}
