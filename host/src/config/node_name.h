#pragma once

// The node's name (NodeConfig.node_name): stamped as `origin.node` on every event the node
// accepts and used in NATS subjects (`plexus.<node>.<type>`), so it must be subject-safe:
// [A-Za-z0-9_-]{1,64}. Thread rule: pure functions, any thread.

#include <string>
#include <string_view>

namespace plexus::host {

inline constexpr std::size_t kMaxNodeNameLength = 64;

// Empty when `name` is a valid node name, else why not.
std::string nodeNameProblem(std::string_view name);

// `hostname` made a valid node name: every other character becomes '_', cut at 64, "node" when
// empty.
std::string safeNodeName(std::string_view hostname);

// The default node name: this machine's hostname made safe.
std::string defaultNodeName();

}  // namespace plexus::host
