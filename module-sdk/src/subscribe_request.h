#pragma once

// The Subscribe that run() sends, and how it reports the node's refusals to the module's author.
// Thread rule: pure functions (called from the thread in Module::run()).

#include <plexus/v1/wire.pb.h>

#include <array>
#include <cstdint>
#include <string>

#include "plexus/ipc/event_types.h"
#include "plexus/sdk/module.h"

namespace plexus::sdk::detail {

// One Subscribe with every handler's type, each with its filter ("" = none). Sent even with no
// handlers: it makes the module ready. Below 1.2 the node cannot take filters: a filtered type
// is left out, and run() says so on stderr.
v1::Envelope subscribeRequest(const std::string& moduleId,
                              const std::array<Module::Handler, ipc::kEventTypeSlots>& handlers,
                              const std::array<std::string, ipc::kEventTypeSlots>& filters,
                              std::uint32_t negotiatedMinor);

// The types the node did not subscribe (a filter that does not compile), one line each of
// `refused`, on stderr.
void reportRefused(const std::string& moduleId, const std::string& refused);

}  // namespace plexus::sdk::detail
