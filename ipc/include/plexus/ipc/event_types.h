#pragma once

// Rules about event types that every component applies the same way: which are host-only,
// which travel on the lifecycle lane, which payload each requires, and their names.

#include <plexus/v1/events.pb.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/ipc/result.h"

namespace plexus::ipc {

// Number of slots a table indexed by EventType value needs.
inline constexpr int kEventTypeSlots = v1::EventType_ARRAYSIZE;

bool isValidEventType(int value);  // a defined value other than UNSPECIFIED
// Module lifecycle, node lifecycle, maintenance and resources: only the host publishes them.
bool isHostOnly(v1::EventType type);
// Module and node lifecycle: delivered on the lifecycle lane.
bool isLifecycleLane(v1::EventType type);

// Every valid type, in enum order.
const std::vector<v1::EventType>& allEventTypes();

// The Event oneof case the type requires: field number 100 + type.
int payloadFieldNumber(v1::EventType type);
// OK when `event.type` is valid and its payload is the one the type requires.
Status checkPayloadMatchesType(const v1::Event& event);

// Display name as in the docs: EVENT_TYPE_NEW_BLOCK -> "NewBlock".
std::string displayName(v1::EventType type);
// Accepts "NewBlock", "EVENT_TYPE_NEW_BLOCK", "NEW_BLOCK" and "new_block".
std::optional<v1::EventType> parseEventType(std::string_view text);

}  // namespace plexus::ipc
