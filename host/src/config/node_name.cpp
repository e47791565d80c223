#include "config/node_name.h"

#include <unistd.h>

#include <array>

namespace plexus::host {

namespace {
bool subjectSafe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}
}  // namespace

std::string nodeNameProblem(std::string_view name) {
  if (name.empty()) return "node_name is empty";
  if (name.size() > kMaxNodeNameLength) {
    return "node_name is longer than " + std::to_string(kMaxNodeNameLength) + " characters";
  }
  for (char c : name) {
    if (!subjectSafe(c)) {
      return "node_name '" + std::string(name) +
             "' may hold only letters, digits, '_' and '-' (it is a NATS subject token)";
    }
  }
  return {};
}

std::string safeNodeName(std::string_view hostname) {
  std::string name(hostname.substr(0, kMaxNodeNameLength));
  for (char& c : name) {
    if (!subjectSafe(c)) c = '_';
  }
  return name.empty() ? std::string("node") : name;
}

std::string defaultNodeName() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) return "node";
  return safeNodeName(host.data());
}

}  // namespace plexus::host
