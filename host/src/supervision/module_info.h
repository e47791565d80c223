#pragma once

// What the supervisor tells about a module: the operator's ModuleInfo, the state names of the
// log and of the operator's errors, and what the EventManager and the module learn when its
// handshake is accepted.
// Thread rule: pure functions, any thread (on records the caller owns).

#include <plexus/v1/config.pb.h>
#include <plexus/v1/control.pb.h>

#include "delivery/event_manager.h"
#include "module_link/module_registry.h"
#include "supervision/module_record.h"

namespace plexus::host {

// "starting", "ready", ...
const char* stateName(v1::ModuleState state);

// `now` gives the uptime of a ready module.
v1::ModuleInfo moduleInfoOf(const ModuleRecord& record, ModuleRecord::Clock::time_point now);

// The incarnation whose handshake was just accepted (name and version recorded), over a
// connection speaking `negotiatedMinor`: below 1.3 it has no critical lane.
ModuleAttachment attachmentOf(const ModuleRecord& record, std::uint32_t negotiatedMinor);
HandshakeGrant grantOf(const ModuleRecord& record, const v1::Timings& timings);

}  // namespace plexus::host
