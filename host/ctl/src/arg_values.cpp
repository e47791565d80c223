#include "plexus/ctl/arg_values.h"

#include <cctype>
#include <charconv>

#include "plexus/ctl/help.h"
#include "plexus/ipc/event_types.h"

namespace plexus::ctl {

namespace {

Error usage(std::string message) {
  return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, std::move(message));
}

std::string lowerSnake(std::string_view text) {
  std::string out;
  for (char c : text) {
    out += c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string shortName(const std::string& fullName, std::string_view prefix) {
  std::string_view name = fullName;
  if (name.substr(0, prefix.size()) == prefix) name.remove_prefix(prefix.size());
  return lowerSnake(name);
}

}  // namespace

Result<std::uint64_t> parseNumber(std::string_view what, std::string_view text, std::uint64_t min,
                                  std::uint64_t max) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  // from_chars rejects signs and spaces, so "-1" and " 5" are errors rather than surprises.
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max) {
    return usage(std::string(what) + " needs a whole number from " + std::to_string(min) + " to " +
                 std::to_string(max) + ", not '" + std::string(text) + "'");
  }
  return value;
}

Result<v1::EventType> parseEventTypeArg(std::string_view text) {
  if (auto type = ipc::parseEventType(text)) return *type;
  return usage("unknown event type '" + std::string(text) + "'; valid types: " + eventTypeNames());
}

Result<int> parseEnumArg(std::string_view what, const google::protobuf::EnumDescriptor* type,
                         std::string_view prefix, std::string_view text) {
  const std::string wanted = lowerSnake(text);
  std::string valid;
  for (int i = 0; i < type->value_count(); ++i) {
    const auto* value = type->value(i);
    if (value->number() == 0) continue;  // UNSPECIFIED is never an operator's choice
    const std::string name = shortName(value->name(), prefix);
    if (!wanted.empty() && (wanted == name || wanted == lowerSnake(value->name()))) {
      return value->number();
    }
    valid += (valid.empty() ? "" : "|") + name;
  }
  return usage(std::string(what) + " must be " + valid + ", not '" + std::string(text) + "'");
}

Result<v1::DeliveryPolicy> parsePolicy(std::string_view text) {
  auto value = parseEnumArg("--policy", v1::DeliveryPolicy_descriptor(), "DELIVERY_POLICY_", text);
  if (!value) return value.error();
  return static_cast<v1::DeliveryPolicy>(*value);
}

Result<v1::RestartPolicy> parseRestart(std::string_view text) {
  auto value = parseEnumArg("--restart", v1::RestartPolicy_descriptor(), "RESTART_POLICY_", text);
  if (!value) return value.error();
  return static_cast<v1::RestartPolicy>(*value);
}

Result<v1::Urgency> parseUrgency(std::string_view text) {
  auto value = parseEnumArg("--urgency", v1::Urgency_descriptor(), "URGENCY_", text);
  if (!value) return value.error();
  return static_cast<v1::Urgency>(*value);
}

Result<v1::MaintenanceOperation> parseMaintenanceOperation(std::string_view text) {
  auto value = parseEnumArg("the operation", v1::MaintenanceOperation_descriptor(),
                            "MAINTENANCE_OPERATION_", text);
  if (!value) return value.error();
  return static_cast<v1::MaintenanceOperation>(*value);
}

Result<std::pair<std::string, std::string>> parseSetting(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return usage("--setting needs KEY=VALUE, not '" + std::string(text) + "'");
  }
  return std::pair{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

}  // namespace plexus::ctl
