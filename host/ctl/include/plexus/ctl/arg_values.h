#pragma once

// Parsers for the values of plexusctl arguments: numbers, event types, enum names and K=V
// settings. Each error message names the option and the accepted values, ready to show.

#include <google/protobuf/descriptor.h>
#include <plexus/v1/config.pb.h>
#include <plexus/v1/events.pb.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "plexus/ipc/result.h"

namespace plexus::ctl {

// A decimal integer in [min, max]; `what` names the option ("--count").
Result<std::uint64_t> parseNumber(std::string_view what, std::string_view text, std::uint64_t min,
                                  std::uint64_t max);

// "NewBlock", "EVENT_TYPE_NEW_BLOCK", "new_block"; the error lists every valid name.
Result<v1::EventType> parseEventTypeArg(std::string_view text);

// A value of `type` other than 0, named by its short lower-case form ("on_failure",
// "on-failure") or its full name ("RESTART_POLICY_ON_FAILURE"), case-insensitively.
// `prefix` is the common prefix of the value names ("RESTART_POLICY_").
Result<int> parseEnumArg(std::string_view what, const google::protobuf::EnumDescriptor* type,
                         std::string_view prefix, std::string_view text);

Result<v1::DeliveryPolicy> parsePolicy(std::string_view text);
Result<v1::RestartPolicy> parseRestart(std::string_view text);
Result<v1::Urgency> parseUrgency(std::string_view text);
Result<v1::MaintenanceOperation> parseMaintenanceOperation(std::string_view text);

// `--since`: an RFC 3339 time ("2026-12-04T10:00:00Z", "2026-12-04T10:00:00.250+02:00") as
// milliseconds since the epoch, or a duration ago ("90s", "10m", "2h", "1d") as milliseconds.
struct SinceTime {
  bool ago = false;     // `ms` is a duration before now
  std::int64_t ms = 0;  // since the epoch, or ago
};
Result<SinceTime> parseSince(std::string_view text);

// "KEY=VALUE" (the value may be empty and may contain '='; the key may not be empty).
Result<std::pair<std::string, std::string>> parseSetting(std::string_view text);

}  // namespace plexus::ctl
