// plexus-logger: prints one JSON line per event it receives on stdout (which plexus-node
// forwards into its log), or appends them to the file named by setting `out`.
// Settings: types = comma-separated event types (default: every type), out = file path.

#include <google/protobuf/util/json_util.h>
#include <plexus/sdk/module.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "plexus/ipc/event_types.h"

namespace {

std::vector<plexus::v1::EventType> typesFromSetting(const std::string& setting) {
  if (setting.empty() || setting == "all") return plexus::ipc::allEventTypes();
  std::vector<plexus::v1::EventType> types;
  std::stringstream list(setting);
  std::string name;
  while (std::getline(list, name, ',')) {
    if (name.empty()) continue;
    auto type = plexus::ipc::parseEventType(name);
    if (!type) throw std::invalid_argument("setting types: unknown event type '" + name + "'");
    types.push_back(*type);
  }
  return types;
}

}  // namespace

int main() {
  try {
    auto module = plexus::sdk::Module::fromEnvironment({"logger", "1.0.0"});
    std::ofstream file;
    const std::string out = module.setting("out");
    if (!out.empty()) {
      file.open(out, std::ios::app);
      if (!file) throw std::runtime_error("cannot open setting out='" + out + "'");
    }
    std::ostream& sink = out.empty() ? std::cout : file;
    google::protobuf::util::JsonPrintOptions json;
    json.preserve_proto_field_names = true;
    for (auto type : typesFromSetting(module.setting("types"))) {
      module.on(type, [&](const plexus::sdk::Delivery& d) {
        std::string body;
        (void)google::protobuf::util::MessageToJsonString(d.event(), &body, json);
        sink << "{\"seq\":" << d.sequence() << ",\"dropped_before\":" << d.droppedBefore()
             << ",\"lifecycle\":" << (d.isLifecycle() ? "true" : "false") << ",\"event\":" << body
             << "}\n";
        sink.flush();
      });
    }
    return module.run();
  } catch (const std::exception& e) {
    std::cerr << "plexus-logger: " << e.what() << "\n";
    return 1;
  }
}
