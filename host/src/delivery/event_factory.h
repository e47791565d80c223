#pragma once

// Building the events the host itself publishes, and stamping any event at publish time.
// The host stamps `source` and both publish times itself, whatever the publisher sent, then
// serializes the event exactly once into SharedBytes for every subscriber.
// Thread rule: pure functions, any thread.

#include <plexus/v1/events.pb.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "plexus/ipc/shared_bytes.h"

namespace plexus::host {

void stampEvent(v1::Event& event, std::string_view source);
// Sets origin {node, publisher, offset 0, the event's published_at}: where and when an event was
// first accepted; call after stampEvent. The module, operator and in-process publish paths call
// it; a relay module's own origin is kept instead.
void stampOrigin(v1::Event& event, std::string_view node, std::string_view publisher);
ipc::SharedBytes serializeEvent(const v1::Event& event);

// A stamped event from the host with its type set; the caller fills the payload.
v1::Event hostEvent(v1::EventType type);

v1::Event makeModuleLoadedEvent(const std::string& moduleId, const std::string& name,
                                const std::string& version, std::uint64_t incarnation, int pid);

}  // namespace plexus::host
