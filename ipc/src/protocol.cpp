#include "plexus/ipc/protocol.h"

namespace plexus::ipc {

std::string protocolVersionString() {
  return std::to_string(kProtocolMajor) + "." + std::to_string(kProtocolMinor);
}

std::string validateModuleId(std::string_view id) {
  if (id.empty()) return "module id is empty";
  if (id.size() > 64) return "module id is longer than 64 characters";
  auto lowerOrDigit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lowerOrDigit(id[0])) return "module id must start with [a-z0-9]";
  for (char c : id) {
    if (!lowerOrDigit(c) && c != '_' && c != '-') {
      return "module id may contain only [a-z0-9_-]";
    }
  }
  if (id == kHostSource || id == kOperatorSource) {
    return "module id '" + std::string(id) + "' is reserved";
  }
  return {};
}

}  // namespace plexus::ipc
