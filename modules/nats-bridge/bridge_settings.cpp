#include "bridge_settings.h"

#include <cctype>
#include <cstdlib>
#include <set>
#include <sstream>
#include <stdexcept>

#include "plexus/ipc/event_types.h"

namespace plexus::bridge {

namespace {

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream list(text);
  std::string item;
  while (std::getline(list, item, ',')) {
    const auto first = item.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    items.push_back(item.substr(first, item.find_last_not_of(' ') - first + 1));
  }
  return items;
}

std::string defaultStateDir(const std::string& moduleId) {
  std::string base;
  if (const char* dir = std::getenv("STATE_DIRECTORY"); dir != nullptr && *dir != '\0') {
    base = dir;
  } else if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && *xdg != '\0') {
    base = std::string(xdg) + "/plexus";
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    base = std::string(home) + "/.local/state/plexus";
  } else {
    throw std::invalid_argument("setting state_dir: not set, and no HOME to default it under");
  }
  return base + "/" + moduleId;
}

std::string valueOr(const std::map<std::string, std::string>& settings, const std::string& key,
                    const std::string& fallback) {
  auto it = settings.find(key);
  return it == settings.end() || it->second.empty() ? fallback : it->second;
}

}  // namespace

std::string nodeNameProblem(const std::string& name) {
  if (name.empty()) return "is empty";
  if (name.size() > 64) return "'" + name + "' is longer than 64 characters";
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != '-') {
      return "'" + name + "' may hold only letters, digits, '_' and '-'";
    }
  }
  return {};
}

BridgeSettings parseSettings(const std::map<std::string, std::string>& settings,
                             const std::string& moduleId, const std::string& nodeName) {
  static const std::set<std::string> kKnown = {"nats_url", "node", "export", "import", "state_dir"};
  for (const auto& [key, value] : settings) {
    if (!kKnown.contains(key)) {
      throw std::invalid_argument("unknown setting '" + key +
                                  "' (known: nats_url, node, export, import, state_dir)");
    }
  }
  BridgeSettings out;
  out.natsUrl = valueOr(settings, "nats_url", out.natsUrl);
  out.node = valueOr(settings, "node", nodeName);
  if (!nodeName.empty() && out.node != nodeName) {
    throw std::invalid_argument("setting node '" + out.node + "' is not this node's node_name '" +
                                nodeName + "': drop the setting (it defaults to the node_name)");
  }
  if (auto problem = nodeNameProblem(out.node); !problem.empty()) {
    throw std::invalid_argument(
        "setting node (this node's node_name; required with a node older than NodeInfo.name): " +
        problem);
  }
  for (const auto& name : splitList(valueOr(settings, "export", ""))) {
    auto type = ipc::parseEventType(name);
    if (!type) throw std::invalid_argument("setting export: unknown event type '" + name + "'");
    out.exportTypes.push_back(*type);
  }
  for (const auto& node : splitList(valueOr(settings, "import", ""))) {
    if (auto problem = nodeNameProblem(node); !problem.empty()) {
      throw std::invalid_argument("setting import: node name " + problem);
    }
    if (node == out.node) {
      throw std::invalid_argument("setting import: '" + node +
                                  "' is this node (importing its own events would loop)");
    }
    out.importNodes.push_back(node);
  }
  if (out.exportTypes.empty() && out.importNodes.empty()) {
    throw std::invalid_argument("neither export nor import is set: the bridge has nothing to do");
  }
  out.stateDir = valueOr(settings, "state_dir", "");
  if (out.stateDir.empty()) out.stateDir = defaultStateDir(moduleId);
  return out;
}

std::string snakeTypeName(v1::EventType type) {
  std::string name = v1::EventType_Name(type);
  constexpr std::string_view kPrefix = "EVENT_TYPE_";
  if (name.starts_with(kPrefix)) name.erase(0, kPrefix.size());
  for (char& c : name)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string subjectFor(const std::string& node, v1::EventType type) {
  return "plexus." + node + "." + snakeTypeName(type);
}

std::string messageId(const std::string& node, std::uint64_t offset) {
  return node + ":" + std::to_string(offset);
}

std::string durableName(const std::string& node, const std::string& origin) {
  return node + "_from_" + origin;
}

}  // namespace plexus::bridge
