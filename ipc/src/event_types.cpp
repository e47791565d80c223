#include "plexus/ipc/event_types.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <cctype>

namespace plexus::ipc {

bool isValidEventType(int value) {
  return value != v1::EVENT_TYPE_UNSPECIFIED && v1::EventType_IsValid(value);
}

bool isHostOnly(v1::EventType type) {
  return type >=
         v1::EVENT_TYPE_MODULE_LOADED;  // lifecycle (30+), maintenance (50+), resources (60+)
}

bool isLifecycleLane(v1::EventType type) {
  return type >= v1::EVENT_TYPE_MODULE_LOADED && type < v1::EVENT_TYPE_DATA_MAINTENANCE;
}

const std::vector<v1::EventType>& allEventTypes() {
  static const std::vector<v1::EventType> types = [] {
    std::vector<v1::EventType> out;
    const auto* desc = v1::EventType_descriptor();
    for (int i = 0; i < desc->value_count(); ++i) {
      int number = desc->value(i)->number();
      if (isValidEventType(number)) out.push_back(static_cast<v1::EventType>(number));
    }
    std::sort(out.begin(), out.end());
    return out;
  }();
  return types;
}

int payloadFieldNumber(v1::EventType type) {
  return 100 + static_cast<int>(type);
}

Status checkPayloadMatchesType(const v1::Event& event) {
  if (!isValidEventType(event.type())) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     "event type " + std::to_string(event.type()) + " is not a valid type");
  }
  if (event.payload_case() != payloadFieldNumber(event.type())) {
    std::string have = event.payload_case() == v1::Event::PAYLOAD_NOT_SET
                           ? std::string("no payload")
                           : "payload field " + std::to_string(event.payload_case());
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     displayName(event.type()) + " event carries " + have);
  }
  return {};
}

std::string displayName(v1::EventType type) {
  std::string upper = v1::EventType_Name(type);
  constexpr std::string_view prefix = "EVENT_TYPE_";
  if (upper.rfind(prefix, 0) == 0) upper.erase(0, prefix.size());
  std::string out;
  bool startWord = true;
  for (char c : upper) {
    if (c == '_') {
      startWord = true;
      continue;
    }
    out += startWord ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    startWord = false;
  }
  return out;
}

std::optional<v1::EventType> parseEventType(std::string_view text) {
  auto normalize = [](std::string_view s) {
    std::string out;
    for (char c : s) {
      if (c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
  };
  std::string wanted = normalize(text);
  if (wanted.rfind("eventtype", 0) == 0) wanted.erase(0, 9);
  if (wanted.empty()) return std::nullopt;
  for (v1::EventType type : allEventTypes()) {
    if (normalize(displayName(type)) == wanted) return type;
  }
  return std::nullopt;
}

}  // namespace plexus::ipc
