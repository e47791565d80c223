#include "control/module_commands.h"

namespace plexus::host {

ModuleCommands::ModuleCommands(ControlReplier& replier, ModuleDirectory& modules)
    : m_replier(replier), m_modules(modules) {}

std::vector<v1::ControlRequest::BodyCase> ModuleCommands::bodies() const {
  return {v1::ControlRequest::kLoad, v1::ControlRequest::kUnload, v1::ControlRequest::kReload,
          v1::ControlRequest::kForget};
}

ModuleDirectory::ModuleCallback ModuleCommands::answer(const std::string& clientId,
                                                       std::uint64_t correlationId,
                                                       SetBody setBody) {
  return [this, clientId, correlationId, setBody](Result<v1::ModuleInfo> result) {
    if (!result) {
      m_replier.replyError(clientId, correlationId, result.error());
      return;
    }
    v1::ControlResponse response;
    response.set_correlation_id(correlationId);
    setBody(response, *result);
    m_replier.reply(clientId, std::move(response));
  };
}

void ModuleCommands::handle(const std::string& clientId, const v1::ControlRequest& request) {
  PLEXUS_ASSERT_THREAD(m_thread);
  const std::uint64_t id = request.correlation_id();
  switch (request.body_case()) {
    case v1::ControlRequest::kLoad:
      m_modules.load(request.load().module(),
                     answer(clientId, id, [](v1::ControlResponse& r, const v1::ModuleInfo& info) {
                       *r.mutable_load()->mutable_module() = info;
                     }));
      return;
    case v1::ControlRequest::kUnload:
      m_modules.unload(request.unload().module_id(),
                       answer(clientId, id, [](v1::ControlResponse& r, const v1::ModuleInfo& info) {
                         *r.mutable_unload()->mutable_module() = info;
                       }));
      return;
    case v1::ControlRequest::kReload:
      m_modules.reload(request.reload().module_id(),
                       answer(clientId, id, [](v1::ControlResponse& r, const v1::ModuleInfo& info) {
                         *r.mutable_reload()->mutable_module() = info;
                       }));
      return;
    case v1::ControlRequest::kForget:
      answer(clientId, id, [](v1::ControlResponse& r, const v1::ModuleInfo& info) {
        *r.mutable_forget()->mutable_module() = info;
      })(m_modules.forget(request.forget().module_id()));
      return;
    default:
      return;  // not routed here
  }
}

}  // namespace plexus::host
