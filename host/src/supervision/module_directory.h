#pragma once

// ModuleDirectory: what the operator API and the host services need of the supervisor: the
// modules it knows (queries) and the operator's commands on them. The Supervisor implements it;
// unit tests of the control server and the resource monitor fake it.
// Thread rule: loop thread only.

#include <plexus/v1/config.pb.h>
#include <plexus/v1/control.pb.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "plexus/ipc/result.h"

namespace plexus::host {

class ModuleDirectory {
 public:
  using ModuleCallback = std::function<void(Result<v1::ModuleInfo>)>;
  virtual ~ModuleDirectory() = default;

  // ---- queries ----
  virtual std::vector<v1::ModuleInfo> modules() const = 0;
  virtual std::uint32_t countInState(v1::ModuleState state) const = 0;
  // The configured module (with defaults) of a known id; nullptr when unknown.
  virtual const v1::ModuleConfig* moduleConfig(const std::string& moduleId) const = 0;

  // ---- operator commands; `done` runs when the operation completed or failed ----
  // A full definition (hot load), or just a name of a configured, stopped or failed module.
  // Replies once the module is ready (or failed to get there).
  virtual void load(const v1::ModuleConfig& module, ModuleCallback done) = 0;
  virtual void unload(const std::string& moduleId, ModuleCallback done) = 0;  // once it exited
  virtual void reload(const std::string& moduleId, ModuleCallback done) = 0;  // once ready again
  // Removes a stopped or failed module and everything the node keeps about it (its record, its
  // delivery statistics and subscriptions): the module as it was, or an Error (unknown, or not
  // stopped or failed).
  virtual Result<v1::ModuleInfo> forget(const std::string& moduleId) = 0;
};

}  // namespace plexus::host
