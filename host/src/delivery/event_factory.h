#pragma once

// Building the events the host itself publishes, and stamping any event at publish time.
// The host stamps `source` and both publish times itself, whatever the publisher sent, then
// serializes the event exactly once into SharedBytes for every subscriber. A local event carries
// no `origin` (it would only repeat source and published_at): only relayed events do, set by the
// relay module (docs/design.md "The NATS bridge").
// Thread rule: pure functions, any thread.

#include <plexus/v1/events.pb.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "plexus/ipc/shared_bytes.h"

namespace plexus::host {

void stampEvent(v1::Event& event, std::string_view source);
ipc::SharedBytes serializeEvent(const v1::Event& event);

// A stamped event from the host with its type set; the caller fills the payload.
v1::Event hostEvent(v1::EventType type);

v1::Event makeModuleLoadedEvent(const std::string& moduleId, const std::string& name,
                                const std::string& version, std::uint64_t incarnation, int pid);

}  // namespace plexus::host
