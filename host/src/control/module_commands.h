#pragma once

// ModuleCommands: the operator's commands on modules: `load` (a hot load, or a configured
// module that is stopped or failed), `unload` and `reload`. Each is answered when it completed
// (the module ready again, or exited) or failed, with the module's ModuleInfo or an Error.
// `forget` (remove a stopped or failed module) is answered at once.
// Thread rule: loop thread only.

#include "control/control_handler.h"
#include "plexus/ipc/thread_checker.h"
#include "supervision/module_directory.h"

namespace plexus::host {

class ModuleCommands final : public ControlHandler {
 public:
  ModuleCommands(ControlReplier& replier, ModuleDirectory& modules);

  std::vector<v1::ControlRequest::BodyCase> bodies() const override;
  void handle(const std::string& clientId, const v1::ControlRequest& request) override;

 private:
  using SetBody = void (*)(v1::ControlResponse&, const v1::ModuleInfo&);
  // Answers the request once the directory reports the outcome.
  ModuleDirectory::ModuleCallback answer(const std::string& clientId, std::uint64_t correlationId,
                                         SetBody setBody);

  ControlReplier& m_replier;
  ModuleDirectory& m_modules;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
