#pragma once

// Builds the Event an operator publishes: the type, and the payload parsed from the protobuf
// JSON mapping into the oneof field that the type requires (field number 100 + type), so the
// node's type/payload check passes by construction.

#include <plexus/v1/events.pb.h>

#include <string_view>

#include "plexus/ipc/result.h"

namespace plexus::ctl {

// INVALID_ARGUMENT with the JSON parser's message when `payloadJson` is not a valid payload.
Result<v1::Event> buildEvent(v1::EventType type, std::string_view payloadJson);

}  // namespace plexus::ctl
