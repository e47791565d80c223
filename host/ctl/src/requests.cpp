#include "plexus/ctl/requests.h"

#include <algorithm>
#include <chrono>

#include "plexus/ctl/journal_read.h"

namespace plexus::ctl {

namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace

v1::ControlRequest buildRequest(const Command& command) {
  v1::ControlRequest request;
  std::visit(
      Overloaded{
          [&](const StatusCommand&) { request.mutable_status(); },
          [&](const ModulesCommand&) { request.mutable_modules(); },
          [&](const StatsCommand& c) {
            request.mutable_stats()->set_module_id(c.moduleId);
            request.mutable_stats()->set_reset(c.reset);
          },
          [&](const SubscribersCommand& c) { request.mutable_subscribers()->set_type(c.type); },
          [&](const PublishCommand& c) {
            *request.mutable_publish()->mutable_event() = c.event;
            request.mutable_publish()->set_count(c.count);
          },
          [&](const LoadCommand& c) { *request.mutable_load()->mutable_module() = c.module; },
          [&](const UnloadCommand& c) { request.mutable_unload()->set_module_id(c.moduleId); },
          [&](const ReloadCommand& c) { request.mutable_reload()->set_module_id(c.moduleId); },
          [&](const ForgetCommand& c) { request.mutable_forget()->set_module_id(c.moduleId); },
          [&](const JournalCommand&) { request.mutable_journal(); },
          [&](const CursorsCommand& c) {
            request.mutable_cursors()->set_delete_module(c.deleteModule);
          },
          [&](const JournalReadCommand& c) {
            const auto now = std::chrono::system_clock::now().time_since_epoch();
            request = journalReadRequest(
                c, std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
          },
          [&](const MaintenanceCommand& c) {
            auto* body = request.mutable_maintenance();
            body->set_operation(c.operation);
            body->set_urgency(c.urgency);
            body->set_reason(c.reason);
            body->set_timeout_ms(c.timeoutMs);
          },
          [&](const TailCommand& c) {
            auto* body = request.mutable_tail();
            for (auto type : c.types)
              body->add_types(type);
            body->set_filter(c.filter);
          },
      },
      command);
  return request;
}

v1::ControlResponse::BodyCase expectedBody(const Command& command) {
  using Body = v1::ControlResponse::BodyCase;
  return std::visit(Overloaded{
                        [](const StatusCommand&) { return Body::kStatus; },
                        [](const ModulesCommand&) { return Body::kModules; },
                        [](const StatsCommand&) { return Body::kStats; },
                        [](const SubscribersCommand&) { return Body::kSubscribers; },
                        [](const PublishCommand&) { return Body::kPublish; },
                        [](const LoadCommand&) { return Body::kLoad; },
                        [](const UnloadCommand&) { return Body::kUnload; },
                        [](const ReloadCommand&) { return Body::kReload; },
                        [](const ForgetCommand&) { return Body::kForget; },
                        [](const JournalCommand&) { return Body::kJournal; },
                        [](const CursorsCommand&) { return Body::kCursors; },
                        [](const JournalReadCommand&) { return Body::kJournalRead; },
                        [](const MaintenanceCommand&) { return Body::kMaintenance; },
                        [](const TailCommand&) { return Body::kTailEvents; },
                    },
                    command);
}

std::chrono::milliseconds requestTimeout(const GlobalOptions& globals, const Command& command) {
  if (globals.timeout) return *globals.timeout;
  const bool lifecycle = std::holds_alternative<LoadCommand>(command) ||
                         std::holds_alternative<UnloadCommand>(command) ||
                         std::holds_alternative<ReloadCommand>(command);
  return lifecycle ? std::max(kDefaultTimeout, kLifecycleTimeout) : kDefaultTimeout;
}

}  // namespace plexus::ctl
