#include "plexus/ctl/arg_values.h"

#include <cctype>
#include <charconv>
#include <chrono>
#include <limits>
#include <optional>

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

namespace {

// Digits at text[pos, pos + n) as a number; false when any is not a digit.
bool digitsAt(std::string_view text, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

std::optional<std::int64_t> parseRfc3339(std::string_view text) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!digitsAt(text, 0, 4, y) || text.size() < 20 || text[4] != '-' || !digitsAt(text, 5, 2, mo) ||
      text[7] != '-' || !digitsAt(text, 8, 2, d) || (text[10] != 'T' && text[10] != 't') ||
      !digitsAt(text, 11, 2, h) || text[13] != ':' || !digitsAt(text, 14, 2, mi) ||
      text[16] != ':' || !digitsAt(text, 17, 2, s))
    return std::nullopt;
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                            day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t fractionMs = 0;
  if (text[pos] == '.') {
    std::int64_t scale = 100;
    for (++pos; pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])); ++pos) {
      fractionMs += (text[pos] - '0') * scale;
      scale /= 10;
    }
    if (scale == 100) return std::nullopt;  // a '.' without digits
  }
  std::int64_t offsetMin = 0;
  const std::string_view zone = text.substr(std::min(pos, text.size()));
  if (zone == "Z" || zone == "z") {
  } else if (int oh = 0, om = 0; zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') &&
                                 digitsAt(zone, 1, 2, oh) && zone[3] == ':' &&
                                 digitsAt(zone, 4, 2, om) && oh <= 23 && om <= 59) {
    offsetMin = std::int64_t{zone[0] == '-' ? -1 : 1} * (std::int64_t{oh} * 60 + om);
  } else {
    return std::nullopt;
  }
  const auto local = sys_days(date) + hours(h) + minutes(mi) + seconds(s);
  return duration_cast<milliseconds>(local.time_since_epoch()).count() + fractionMs -
         offsetMin * 60'000;
}

}  // namespace

Result<SinceTime> parseSince(std::string_view text) {
  if (auto ms = parseRfc3339(text)) {
    if (*ms <= 0)
      return usage("--since must be after 1970-01-01T00:00:00Z, not '" + std::string(text) + "'");
    return SinceTime{false, *ms};
  }
  static constexpr std::pair<std::string_view, std::int64_t> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  for (const auto& [unit, scale] : kUnits) {
    if (text.size() <= unit.size() || !text.ends_with(unit)) continue;
    const std::string_view number = text.substr(0, text.size() - unit.size());
    std::uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc() || ptr != number.data() + number.size()) continue;
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / scale / 2))
      break;
    return SinceTime{true, static_cast<std::int64_t>(value) * scale};
  }
  return usage(
      "--since needs an RFC 3339 time (2026-12-04T10:00:00Z) or a duration ago (90s, "
      "10m, 2h, 1d), not '" +
      std::string(text) + "'");
}

Result<std::pair<std::string, std::string>> parseSetting(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return usage("--setting needs KEY=VALUE, not '" + std::string(text) + "'");
  }
  return std::pair{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

}  // namespace plexus::ctl
