#include "config/priorities.h"

#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "plexus/ipc/event_types.h"

namespace plexus::host {

namespace {
Status refuse(std::string message, std::initializer_list<std::string_view> parts) {
  for (std::string_view part : parts)
    message.append(part);
  return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, std::move(message));
}
}  // namespace

bool isCriticalByDefault(v1::EventType type) {
  return type == v1::EVENT_TYPE_CHAIN_REORG || type == v1::EVENT_TYPE_BLOCK_DISCONNECTED;
}

Status checkPriorities(const v1::NodeConfig& config) {
  std::set<int> seen;
  for (int i = 0; i < config.priorities_size(); ++i) {
    const auto& entry = config.priorities(i);
    const std::string at = "priorities[" + std::to_string(i) + "]: ";
    const auto type = entry.type();
    if (!ipc::isValidEventType(type)) {
      return refuse(at, {"type is not a valid event type"});
    }
    const std::string name = ipc::displayName(type);
    if (ipc::isLifecycleLane(type)) {
      return refuse(at, {name, " is a lifecycle event and takes no priority"});
    }
    if (entry.priority() == v1::PRIORITY_UNSPECIFIED) {
      return refuse(at, {"no priority for ", name, " (PRIORITY_NORMAL or PRIORITY_CRITICAL)"});
    }
    if (!v1::Priority_IsValid(entry.priority())) {
      return refuse(at, {"unknown priority for ", name});
    }
    if (!seen.insert(type).second) {
      return refuse(at, {"a second priority for ", name});
    }
  }
  return {};
}

std::bitset<ipc::kEventTypeSlots> criticalTypes(const v1::NodeConfig& config) {
  std::bitset<ipc::kEventTypeSlots> out;
  for (auto type : ipc::allEventTypes()) {
    out.set(static_cast<std::size_t>(type), isCriticalByDefault(type));
  }
  for (const auto& entry : config.priorities()) {
    if (ipc::isValidEventType(entry.type()) && !ipc::isLifecycleLane(entry.type())) {
      out.set(static_cast<std::size_t>(entry.type()), entry.priority() == v1::PRIORITY_CRITICAL);
    }
  }
  return out;
}

}  // namespace plexus::host
