#pragma once

// plexus-node configuration: protobuf text format (proto/plexus/v1/config.proto). Parse errors
// name the line and column; validation errors name the module and field. Zero means "default"
// for every numeric field; withDefaults() fills the defaults in, so the rest of the node reads
// plain values. Thread rule: pure functions.

#include <plexus/v1/config.pb.h>

#include <chrono>
#include <string>

#include "plexus/ipc/result.h"

namespace plexus::host {

// The configuration plexus-node runs without --config: the shipped modules.
const std::string& embeddedDefaultConfig();

Result<v1::NodeConfig> parseConfig(const std::string& text, const std::string& sourceName);
Result<v1::NodeConfig> loadConfigFile(const std::string& path);

// Checks everything a start would trip over; the message names the offending module/field.
Status validateConfig(const v1::NodeConfig& config);
Status validateModule(const v1::ModuleConfig& module);

// A copy with every default filled in (timings, capacities, policies, levels).
v1::NodeConfig withDefaults(const v1::NodeConfig& config);
// The module's effective settings under `node`'s defaults.
v1::ModuleConfig moduleWithDefaults(const v1::ModuleConfig& module, const v1::NodeConfig& node);

inline std::chrono::milliseconds ms(std::uint64_t value) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(value));
}

inline constexpr std::uint32_t kMaxChannelCapacity = 1'000'000;

}  // namespace plexus::host
