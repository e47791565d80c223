// plexus-test-hostile's command line (hostile_options.h).

#include "hostile_options.h"

#include <sstream>

#include "plexus/ipc/event_types.h"

namespace plexus::hostile {

Options parseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--report")
      o.report = next();
    else if (a == "--types")
      o.types = next();
    else if (a == "--do")
      o.script = next();
    else if (a == "--only-incarnation")
      o.onlyIncarnation = std::stoull(next());
    else if (a == "--write-token")
      o.writeToken = true;
    else if (a == "--wait-file")
      o.waitFile = next();
    else if (a == "--on-disconnect")
      o.stayOnDisconnect = next() == "stay";
    else if (a == "--endpoint")
      o.endpoint = next();
    else if (a == "--module-id")
      o.moduleId = next();
    else if (a == "--claim-id")
      o.claimId = next();
    else if (a == "--mechanism")
      o.mechanism = next();
    else if (a == "--server-key")
      o.serverKey = next();
    else if (a == "--secret-key-file")
      o.secretKeyFile = next();
  }
  return o;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, separator);) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::vector<v1::EventType> parseTypes(const std::string& list, char separator) {
  std::vector<v1::EventType> types;
  for (const auto& name : split(list, separator)) {
    types.push_back(ipc::parseEventType(name).value_or(v1::EVENT_TYPE_UNSPECIFIED));
  }
  return types;
}

}  // namespace plexus::hostile
