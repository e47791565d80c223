#pragma once

// Exit reports: how a module's exit is told to the operator (ModuleInfo.last_exit, the log) and
// to subscribers (ModuleUnloaded after a requested stop or a clean exit, ModuleCrashed
// otherwise), with the likely cause when the module's resource limits explain it.
// Thread rule: pure functions, any thread.

#include <plexus/v1/config.pb.h>
#include <plexus/v1/events.pb.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "supervision/module_record.h"
#include "supervision/process_spawner.h"

namespace plexus::host {

// "exit 0", "exit 3", "signal 9 (Killed)"
std::string describeExit(int code, int signal);

// Why a module that died from `signal` probably did, given the limits it ran under (SIGXCPU:
// its CPU time; SIGABRT/SIGSEGV/SIGBUS under an address-space limit: a failed allocation);
// empty when the limits explain nothing.
std::string limitExplanation(const v1::ResourceLimits& limits, int signal);

// Why a module crashed: the node's refusal of its handshake, else the node's reason for killing
// it, else how it exited (record.lastExit); unless the node killed it, with what its limits
// explain about `signal`.
std::string crashReason(const ModuleRecord& record, int signal);

v1::Event moduleUnloadedEvent(const std::string& moduleId, const std::string& reason,
                              std::uint64_t incarnation);
// `restartIn`: the delay of the restart scheduled, if any.
v1::Event moduleCrashedEvent(const std::string& moduleId, ProcessExit exit,
                             const std::string& reason,
                             std::optional<std::chrono::milliseconds> restartIn,
                             std::uint64_t incarnation);

}  // namespace plexus::host
