#pragma once

// Event priorities (docs/design.md, "Priority lane"): each event type is normal or critical, by
// default critical for ChainReorg and BlockDisconnected, overridable per type in
// NodeConfig.priorities. Lifecycle types have a lane of their own and take no priority.
// Thread rule: pure functions.

#include <plexus/v1/config.pb.h>
#include <plexus/v1/events.pb.h>

#include <bitset>

#include "plexus/ipc/event_types.h"
#include "plexus/ipc/result.h"

namespace plexus::host {

// The priority a type has when the config says nothing.
bool isCriticalByDefault(v1::EventType type);

// NodeConfig.priorities: valid non-lifecycle types, each at most once, a priority given.
Status checkPriorities(const v1::NodeConfig& config);

// Indexed by EventType number: set for the types that travel on the critical lane under
// `config` (defaults plus its overrides).
std::bitset<ipc::kEventTypeSlots> criticalTypes(const v1::NodeConfig& config);

}  // namespace plexus::host
