#pragma once

// FakeModuleDirectory: a ModuleDirectory for unit tests of what depends on it (the operator's
// handlers, the periodic events). The modules are a list the test fills; operator commands are
// recorded with their callback, which the test completes.
// Thread rule: the test's thread.

#include <map>
#include <string>
#include <vector>

#include "supervision/module_directory.h"

namespace plexus::host::fakes {

class FakeModuleDirectory final : public ModuleDirectory {
 public:
  struct Command {
    std::string kind;  // "load", "unload", "reload", "forget"
    std::string moduleId;
    v1::ModuleConfig module;  // for a load
    ModuleCallback done;
  };

  std::vector<v1::ModuleInfo> modules() const override { return infos; }
  std::uint32_t countInState(v1::ModuleState state) const override {
    std::uint32_t count = 0;
    for (const auto& info : infos)
      count += info.state() == state;
    return count;
  }
  const v1::ModuleConfig* moduleConfig(const std::string& moduleId) const override {
    auto it = configs.find(moduleId);
    return it == configs.end() ? nullptr : &it->second;
  }
  void load(const v1::ModuleConfig& module, ModuleCallback done) override {
    commands.push_back({"load", module.name(), module, std::move(done)});
  }
  void unload(const std::string& moduleId, ModuleCallback done) override {
    commands.push_back({"unload", moduleId, {}, std::move(done)});
  }
  void reload(const std::string& moduleId, ModuleCallback done) override {
    commands.push_back({"reload", moduleId, {}, std::move(done)});
  }
  // Removes a stopped or failed module from infos; records the call as a command "forget".
  Result<v1::ModuleInfo> forget(const std::string& moduleId) override {
    commands.push_back({"forget", moduleId, {}, {}});
    for (auto it = infos.begin(); it != infos.end(); ++it) {
      if (it->module_id() != moduleId) continue;
      if (it->state() != v1::MODULE_STATE_STOPPED && it->state() != v1::MODULE_STATE_FAILED) {
        return makeError(v1::ERROR_CODE_UNAVAILABLE, "module '" + moduleId + "' is running");
      }
      v1::ModuleInfo info = *it;
      infos.erase(it);
      return info;
    }
    return makeError(v1::ERROR_CODE_NOT_FOUND, "no module '" + moduleId + "'");
  }

  // A module in `state` (appended to infos).
  v1::ModuleInfo& add(const std::string& moduleId, v1::ModuleState state) {
    v1::ModuleInfo& info = infos.emplace_back();
    info.set_module_id(moduleId);
    info.set_state(state);
    return info;
  }

  std::vector<v1::ModuleInfo> infos;
  std::map<std::string, v1::ModuleConfig> configs;
  std::vector<Command> commands;
};

}  // namespace plexus::host::fakes
