#include "plexus/ctl/format.h"

#include <algorithm>
#include <cctype>

#include "plexus/ctl/table.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/publish_answer.h"

namespace plexus::ctl {

namespace {

std::string twoDigits(std::uint64_t value) {
  return (value < 10 ? "0" : "") + std::to_string(value);
}

std::string stateName(v1::ModuleState state) {
  return shortEnumName(v1::ModuleState_descriptor(), state, "MODULE_STATE_");
}

std::string policyName(v1::DeliveryPolicy policy) {
  // UNSPECIFIED means drop (config.proto), so say what the node does.
  if (policy == v1::DELIVERY_POLICY_UNSPECIFIED) policy = v1::DELIVERY_POLICY_DROP;
  return shortEnumName(v1::DeliveryPolicy_descriptor(), policy, "DELIVERY_POLICY_");
}

std::string healthText(const v1::ModuleInfo& module) {
  std::string health = shortEnumName(v1::Health_descriptor(), module.health(), "HEALTH_");
  if (module.health() == v1::HEALTH_UNHEALTHY && !module.health_reason().empty()) {
    health += " (" + module.health_reason() + ")";
  }
  return health;
}

std::string orDash(const std::string& text) {
  return text.empty() ? "-" : text;
}

std::string pidText(std::int32_t pid) {
  return pid == 0 ? "-" : std::to_string(pid);
}

// "module X <what>", with the pid when asked for and known.
std::string moduleSentence(const v1::ModuleInfo& module, const std::string& fallbackId,
                           const std::string& what, bool withPid) {
  const std::string& id = module.module_id().empty() ? fallbackId : module.module_id();
  std::string out = "module " + id + " " + what;
  if (withPid && module.pid() != 0) out += " (pid " + std::to_string(module.pid()) + ")";
  return out + "\n";
}

}  // namespace

std::string formatDuration(std::uint64_t ms) {
  if (ms < 1000) return std::to_string(ms) + "ms";
  const std::uint64_t s = ms / 1000;
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + twoDigits(s % 60) + "s";
  if (s < 86400) return std::to_string(s / 3600) + "h" + twoDigits(s / 60 % 60) + "m";
  return std::to_string(s / 86400) + "d" + twoDigits(s / 3600 % 24) + "h";
}

std::string shortEnumName(const google::protobuf::EnumDescriptor* type, int value,
                          std::string_view prefix) {
  if (value == 0) return "-";
  const auto* descriptor = type->FindValueByNumber(value);
  if (descriptor == nullptr) return std::to_string(value);  // a newer node's value
  std::string_view name = descriptor->name();
  if (name.substr(0, prefix.size()) == prefix) name.remove_prefix(prefix.size());
  std::string out;
  for (char c : name)
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string formatStatus(const v1::StatusResponse& status) {
  std::string out;
  auto line = [&out](std::string_view key, const std::string& value) {
    constexpr std::size_t kKeyWidth = 18;  // "events published: "
    out += std::string(key) + std::string(kKeyWidth - key.size(), ' ') + value + "\n";
  };
  line("version:", status.version());
  line("protocol:", status.protocol_version());
  line("pid:", std::to_string(status.pid()));
  line("uptime:", formatDuration(status.uptime_ms()));
  line("runtime dir:", status.runtime_dir());
  line("modules:", std::to_string(status.modules_total()) + " total, " +
                       std::to_string(status.modules_ready()) + " ready, " +
                       std::to_string(status.modules_failed()) + " failed");
  std::string published = std::to_string(status.events_published());
  if (status.relayed_duplicates() > 0) {
    published +=
        " (relayed duplicates not routed again: " + std::to_string(status.relayed_duplicates()) +
        ")";
  }
  line("events published:", published);
  return out;
}

std::string formatModules(const v1::ModulesResponse& modules) {
  if (modules.modules().empty()) return "no modules\n";
  using A = Table::Align;
  Table table({{"MODULE", A::Left},
               {"STATE", A::Left},
               {"PID", A::Right},
               {"RESTARTS", A::Right},
               {"UPTIME", A::Right},
               {"CAPACITY", A::Right},
               {"POLICY", A::Left},
               {"HEALTH", A::Left},
               {"LAST-EXIT", A::Left}});
  for (const auto& module : modules.modules()) {
    const bool ready = module.state() == v1::MODULE_STATE_READY;
    // A connected remote module has no pid here: where it connects from instead.
    table.addRow({module.module_id(), stateName(module.state()),
                  module.peer_address().empty() ? pidText(module.pid()) : module.peer_address(),
                  std::to_string(module.restarts()),
                  ready ? formatDuration(module.uptime_ms()) : "-",
                  std::to_string(module.capacity()), policyName(module.policy()),
                  healthText(module), orDash(module.last_exit())});
  }
  return table.render();
}

namespace {

// Under a module with a critical lane (since 1.3), a row per acked lane: the totals above are
// their sums.
void addLaneRows(Table& table, const v1::DeliveryStats& s) {
  const bool critical = std::any_of(s.lanes().begin(), s.lanes().end(), [](const auto& lane) {
    return lane.lane() == v1::LANE_CRITICAL && (lane.capacity() > 0 || lane.routed() > 0);
  });
  if (!critical) return;
  for (const auto& lane : s.lanes()) {
    const std::string name = lane.lane() == v1::LANE_CRITICAL ? "  critical" : "  event";
    table.addRow({name, std::to_string(lane.routed()), std::to_string(lane.successful()),
                  std::to_string(lane.channel_full()), std::to_string(lane.failed()),
                  std::to_string(lane.acked()), std::to_string(lane.lost()),
                  std::to_string(lane.queued()), std::to_string(lane.in_flight()),
                  std::to_string(lane.max_held()), "-", "-", "-"});
  }
}

}  // namespace

std::string formatStats(const v1::StatsResponse& stats, bool reset) {
  std::string out;
  if (stats.modules().empty()) {
    out = "no statistics\n";
  } else {
    using A = Table::Align;
    Table table({{"MODULE", A::Left},
                 {"ROUTED", A::Right},
                 {"SUCCESSFUL", A::Right},
                 {"CHANNEL_FULL", A::Right},
                 {"FAILED", A::Right},
                 {"ACKED", A::Right},
                 {"LOST", A::Right},
                 {"QUEUED", A::Right},
                 {"IN_FLIGHT", A::Right},
                 {"MAX_HELD", A::Right},
                 {"DECODE_ERRORS", A::Right},
                 {"REJECTED", A::Right},
                 {"FILTERED", A::Right}});
    for (const auto& s : stats.modules()) {
      table.addRow({s.module_id(), std::to_string(s.routed()), std::to_string(s.successful()),
                    std::to_string(s.channel_full()), std::to_string(s.failed()),
                    std::to_string(s.acked()), std::to_string(s.lost()), std::to_string(s.queued()),
                    std::to_string(s.in_flight()), std::to_string(s.max_held()),
                    std::to_string(s.decode_errors()), std::to_string(s.rejected()),
                    std::to_string(s.filtered())});
      addLaneRows(table, s);
    }
    out = table.render();
  }
  if (reset) out += "statistics reset\n";
  return out;
}

std::string formatSubscribers(const v1::SubscribersResponse& subscribers) {
  const std::string type = ipc::displayName(subscribers.type());
  if (subscribers.module_ids().empty()) return type + ": no subscribers\n";
  std::string out =
      type + ": " + std::to_string(subscribers.module_ids_size()) + " subscriber(s)\n";
  const auto& stopping = subscribers.stopping_module_ids();
  for (int i = 0; i < subscribers.module_ids_size(); ++i) {
    const std::string& id = subscribers.module_ids(i);
    const bool isStopping = std::find(stopping.begin(), stopping.end(), id) != stopping.end();
    // A node before 1.2 sends no filters.
    const std::string filter = i < subscribers.filters_size() ? subscribers.filters(i) : "";
    out += "  " + id + (filter.empty() ? "" : "  filter: " + filter) +
           (isStopping ? "  (stopping: events to it fail)" : "") + "\n";
  }
  return out;
}

std::string formatPublished(const v1::OperatorPublishResponse& published, v1::EventType type) {
  const bool complete = published.missed_size() == 0;
  // 0: a node before 1.1, which does not say.
  const std::uint32_t requested =
      published.requested() == 0 ? published.published() : published.requested();
  std::string out = "published ";
  if (!complete || published.published() != requested) {
    out += std::to_string(published.published()) + " of " + std::to_string(requested);
  } else {
    out += std::to_string(published.published());
  }
  out += " event(s) of " + ipc::displayName(type) + ": delivered to " +
         std::to_string(published.modules()) + " module(s); accepted " +
         std::to_string(published.accepted()) + ", dropped " + std::to_string(published.dropped()) +
         ", failed " + std::to_string(published.failed()) + ", timed out " +
         std::to_string(published.timed_out()) + "\n";
  if (published.unpublished() > 0) {
    out += ipc::describeUnpublished("event " + std::to_string(published.published() + 1),
                                    published.missed()) +
           "\n";
  } else if (!complete) {
    out += "event " + std::to_string(published.published()) +
           " was not taken by every block-policy subscriber: " +
           ipc::describeMissed(published.missed()) + "\n";
  }
  return out;
}

std::string formatJournal(const v1::JournalResponse& journal) {
  if (!journal.enabled()) return "journal: disabled (no type is journaled)\n";
  std::string out;
  // Two spaces after the key, no alignment: `plexusctl journal | grep '^state  '` stays simple.
  auto line = [&out](std::string_view key, const std::string& value) {
    out += std::string(key) + "  " + value + "\n";
  };
  auto n = [](std::uint64_t value) { return std::to_string(value); };
  std::string types;
  for (int type : journal.types()) {
    if (!types.empty()) types += ", ";
    types += ipc::displayName(static_cast<v1::EventType>(type));
  }
  line("directory", journal.directory());
  line("sync", orDash(journal.sync()));
  line("types", orDash(types));
  line("offsets", "next " + n(journal.next_offset()) + ", reserved through " +
                      n(journal.reserved_through()) + ", committed through " +
                      n(journal.committed_through()));
  line("events", "journaled " + n(journal.journaled()) + ", overflow " + n(journal.overflow()) +
                     ", unjournaled " + n(journal.unjournaled()) + ", queued " +
                     n(journal.queued()));
  line("writes", "groups " + n(journal.groups()) + ", failures " + n(journal.failures()) +
                     ", failed offsets " + n(journal.failed_offsets()) + ", trimmed " +
                     n(journal.trimmed_events()));
  if (journal.writing()) {
    line("state", "writing");
  } else {
    line("state", journal.last_error().empty() ? "failing" : "failing: " + journal.last_error());
  }
  // crash_hole_first 0 means none (control.proto).
  if (journal.crash_hole_first() != 0) {
    line("crash hole", n(journal.crash_hole_first()) + ".." + n(journal.crash_hole_last()));
  }
  return out;
}

std::string formatCursors(const v1::CursorsResponse& cursors) {
  if (!cursors.deleted().empty()) return "cursor of module " + cursors.deleted() + " deleted\n";
  if (cursors.cursors().empty()) {
    return "no cursors (journal at offset " + std::to_string(cursors.last_offset()) + ")\n";
  }
  using A = Table::Align;
  Table table({{"MODULE", A::Left},
               {"CURSOR", A::Right},
               {"DELIVERED", A::Right},
               {"LAG-EVENTS", A::Right},
               {"LAG-TIME", A::Right}});
  for (const auto& cursor : cursors.cursors()) {
    const bool behind = cursor.lag_events() > 0;
    table.addRow({cursor.module_id(), std::to_string(cursor.cursor()),
                  std::to_string(cursor.delivered_through()), std::to_string(cursor.lag_events()),
                  behind ? formatDuration(cursor.lag_ms()) : "-"});
  }
  return table.render();
}

std::string formatResponse(const Command& command, const v1::ControlResponse& response) {
  if (std::holds_alternative<StatusCommand>(command)) return formatStatus(response.status());
  if (std::holds_alternative<ModulesCommand>(command)) return formatModules(response.modules());
  if (const auto* stats = std::get_if<StatsCommand>(&command)) {
    return formatStats(response.stats(), stats->reset);
  }
  if (std::holds_alternative<SubscribersCommand>(command)) {
    return formatSubscribers(response.subscribers());
  }
  if (const auto* publish = std::get_if<PublishCommand>(&command)) {
    return formatPublished(response.publish(), publish->event.type());
  }
  if (const auto* load = std::get_if<LoadCommand>(&command)) {
    return moduleSentence(response.load().module(), load->module.name(), "ready", true);
  }
  if (const auto* unload = std::get_if<UnloadCommand>(&command)) {
    return moduleSentence(response.unload().module(), unload->moduleId, "stopped", false);
  }
  if (const auto* reload = std::get_if<ReloadCommand>(&command)) {
    return moduleSentence(response.reload().module(), reload->moduleId, "reloaded", true);
  }
  if (const auto* forget = std::get_if<ForgetCommand>(&command)) {
    return "module " + forget->moduleId + " forgotten (" +
           stateName(response.forget().module().state()) + ")\n";
  }
  if (std::holds_alternative<JournalCommand>(command)) return formatJournal(response.journal());
  if (std::holds_alternative<CursorsCommand>(command)) return formatCursors(response.cursors());
  if (std::holds_alternative<MaintenanceCommand>(command)) {
    return "maintenance #" + std::to_string(response.maintenance().maintenance_id()) + " started\n";
  }
  return {};
}

}  // namespace plexus::ctl
