#pragma once

// The bridge's settings (the module's `settings` map in the node config) and the names it derives
// from them: subjects `plexus.<node>.<event_type in snake_case>`, message ids
// `<node>:<journal offset>`, durable consumer names `<node>_from_<other node>`.
// Thread rule: pure values and functions, any thread.

#include <plexus/v1/events.pb.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace plexus::bridge {

inline constexpr const char* kStreamName = "PLEXUS";
inline constexpr const char* kStreamSubjects = "plexus.>";

struct BridgeSettings {
  std::string natsUrl = "nats://127.0.0.1:4222";  // nats_url
  std::string node;                               // node: this node's node_name
  std::vector<v1::EventType> exportTypes;         // export: comma-separated types
  std::vector<std::string> importNodes;           // import: comma-separated node names
  std::string stateDir;                           // state_dir: the import ledgers
};

// Parses the settings; throws std::invalid_argument saying which setting is wrong and why.
// `moduleId` names the default state dir: $STATE_DIRECTORY, else $XDG_STATE_HOME/plexus, else
// $HOME/.local/state/plexus, then /<moduleId>. `nodeName` is the node's node_name from the
// handshake (Module::nodeName(), "" from a node older than that field): `node` defaults to it,
// and a `node` that differs from it is refused; with "" the `node` setting is required.
BridgeSettings parseSettings(const std::map<std::string, std::string>& settings,
                             const std::string& moduleId, const std::string& nodeName = {});

// Empty when `name` is a valid node name ([A-Za-z0-9_-]{1,64}), else why not.
std::string nodeNameProblem(const std::string& name);

// EVENT_TYPE_NEW_BLOCK -> "new_block".
std::string snakeTypeName(v1::EventType type);
// "plexus.<node>.<snake type>".
std::string subjectFor(const std::string& node, v1::EventType type);
// "<node>:<offset>", the JetStream message id (deduplication).
std::string messageId(const std::string& node, std::uint64_t offset);
// "<node>_from_<origin>": the durable pull consumer of `node`'s bridge for `origin`'s events.
std::string durableName(const std::string& node, const std::string& origin);

}  // namespace plexus::bridge
