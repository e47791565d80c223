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

// "KEY=VALUE" (the value may be empty and may contain '='; the key may not be empty).
Result<std::pair<std::string, std::string>> parseSetting(std::string_view text);

}  // namespace plexus::ctl
