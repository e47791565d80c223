#pragma once

// The node's start-up steps that can refuse the configuration (node.cpp builds the members with
// them): each throws std::runtime_error with the reason, and the node does not start.
// Thread rule: pure functions of the configuration, called while the node is being built.

#include <plexus/v1/config.pb.h>
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>

#include "journal/journal.h"
#include "runtime/runtime_dir.h"

namespace plexus::host {

// NodeConfig.control_group's gid; nullopt when none is configured. An unknown group: the node
// does not start.
std::optional<gid_t> controlGroupOf(const v1::NodeConfig& config);

// The runtime dir at `path`, private to the node's uid and `group`.
RuntimeDir acquireOrThrow(const std::filesystem::path& path, std::optional<gid_t> group);

// The journal the configuration asks for; nullptr when it journals no type.
std::unique_ptr<Journal> openConfiguredJournal(const v1::NodeConfig& config);

}  // namespace plexus::host
