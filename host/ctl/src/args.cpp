#include "plexus/ctl/args.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "plexus/ctl/arg_values.h"
#include "plexus/ctl/event_builder.h"
#include "plexus/ctl/help.h"
#include "plexus/ctl/raw_args.h"

namespace plexus::ctl {

namespace {

Result<GlobalOptions> parseGlobals(const RawArgs& raw) {
  GlobalOptions globals;
  if (auto it = raw.globals.find("--runtime-dir"); it != raw.globals.end()) {
    if (it->second.empty()) return usageError(raw.command, "--runtime-dir needs a directory");
    globals.runtimeDir = it->second;
  }
  if (auto it = raw.globals.find("--timeout"); it != raw.globals.end()) {
    auto ms = parseNumber("--timeout", it->second, 1, std::numeric_limits<int>::max());
    if (!ms) return usageError(raw.command, ms.error().message);
    globals.timeout = std::chrono::milliseconds(*ms);
  }
  globals.json = raw.globals.count("--json") > 0;
  return globals;
}

Result<Command> parseStats(const RawArgs& raw) {
  static constexpr const char* kNames[] = {"MODULE"};
  if (auto status = expectPositionals(raw, 0, kNames); !status) return status.error();
  StatsCommand command;
  if (!raw.positionals.empty()) command.moduleId = raw.positionals[0];
  command.reset = raw.has("--reset");
  return Command{command};
}

Result<Command> parseSubscribers(const RawArgs& raw) {
  static constexpr const char* kNames[] = {"EVENT_TYPE"};
  if (auto status = expectPositionals(raw, 1, kNames); !status) return status.error();
  auto type = eventTypeAt(raw, 0);
  if (!type) return type.error();
  return Command{SubscribersCommand{*type}};
}

Result<Command> parsePublish(const RawArgs& raw) {
  static constexpr const char* kNames[] = {"EVENT_TYPE"};
  if (auto status = expectPositionals(raw, 1, kNames); !status) return status.error();
  auto type = eventTypeAt(raw, 0);
  if (!type) return type.error();
  PublishCommand command;
  auto event = checked(raw, buildEvent(*type, raw.one("--payload").value_or("{}")));
  if (!event) return event.error();
  command.event = std::move(*event);
  if (auto text = raw.one("--count")) {
    auto count =
        checked(raw, parseNumber("--count", *text, 1, std::numeric_limits<std::uint32_t>::max()));
    if (!count) return count.error();
    command.count = static_cast<std::uint32_t>(*count);
  }
  return Command{std::move(command)};
}

Result<Command> parseLoad(const RawArgs& raw) {
  static constexpr const char* kNames[] = {"NAME"};
  if (auto status = expectPositionals(raw, 1, kNames); !status) return status.error();
  LoadCommand command;
  auto& module = command.module;
  module.set_name(raw.positionals[0]);
  const auto exec = raw.one("--exec");
  if (!exec) {
    // A known module starts with its own definition: silently ignoring these would mislead.
    for (const char* option : {"--arg", "--capacity", "--policy", "--restart", "--setting",
                               "--subscribe", "--publish", "--durable"}) {
      if (raw.has(option)) {
        return usageError(raw.command, std::string(option) +
                                           " needs --exec (a known module is started as "
                                           "it is defined)");
      }
    }
    return Command{std::move(command)};
  }
  if (exec->empty()) return usageError(raw.command, "--exec needs a path");
  module.set_exec(*exec);
  module.set_durable(raw.has("--durable"));
  for (const auto& arg : raw.all("--arg"))
    module.add_args(arg);
  if (auto text = raw.one("--capacity")) {
    auto capacity = checked(
        raw, parseNumber("--capacity", *text, 1, std::numeric_limits<std::uint32_t>::max()));
    if (!capacity) return capacity.error();
    module.set_channel_capacity(static_cast<std::uint32_t>(*capacity));
  }
  if (auto text = raw.one("--policy")) {
    auto policy = checked(raw, parsePolicy(*text));
    if (!policy) return policy.error();
    module.set_policy(*policy);
  }
  if (auto text = raw.one("--restart")) {
    auto restart = checked(raw, parseRestart(*text));
    if (!restart) return restart.error();
    module.set_restart(*restart);
  }
  for (const auto& text : raw.all("--setting")) {
    auto setting = checked(raw, parseSetting(text));
    if (!setting) return setting.error();
    auto [it, inserted] = module.mutable_settings()->insert({setting->first, setting->second});
    if (!inserted) return usageError(raw.command, "--setting " + it->first + " given twice");
  }
  for (const auto& [option, list] :
       {std::pair{"--subscribe", module.mutable_capabilities()->mutable_subscribe()},
        std::pair{"--publish", module.mutable_capabilities()->mutable_publish()}}) {
    for (const auto& text : raw.all(option)) {
      auto type = checked(raw, parseEventTypeArg(text));
      if (!type) return type.error();
      list->Add(*type);
    }
  }
  return Command{std::move(command)};
}

Result<Command> parseModuleIdCommand(const RawArgs& raw) {
  static constexpr const char* kNames[] = {"MODULE"};
  if (auto status = expectPositionals(raw, 1, kNames); !status) return status.error();
  if (raw.command == "unload") return Command{UnloadCommand{raw.positionals[0]}};
  if (raw.command == "forget") return Command{ForgetCommand{raw.positionals[0]}};
  return Command{ReloadCommand{raw.positionals[0]}};
}

Result<Command> parseMaintenance(const RawArgs& raw) {
  static constexpr const char* kNames[] = {"OPERATION (flush or cleanup)"};
  if (auto status = expectPositionals(raw, 1, kNames); !status) return status.error();
  MaintenanceCommand command;
  auto operation = checked(raw, parseMaintenanceOperation(raw.positionals[0]));
  if (!operation) return operation.error();
  command.operation = *operation;
  if (auto text = raw.one("--urgency")) {
    auto urgency = checked(raw, parseUrgency(*text));
    if (!urgency) return urgency.error();
    command.urgency = *urgency;
  }
  command.reason = raw.one("--reason").value_or("");
  if (auto text = raw.one("--timeout-ms")) {
    auto ms = checked(
        raw, parseNumber("--timeout-ms", *text, 0, std::numeric_limits<std::uint64_t>::max()));
    if (!ms) return ms.error();
    command.timeoutMs = *ms;
  }
  return Command{std::move(command)};
}

// Every --type, each once, in order.
Status addTypes(const RawArgs& raw, std::vector<v1::EventType>& types) {
  for (const auto& text : raw.all("--type")) {
    auto type = checked(raw, parseEventTypeArg(text));
    if (!type) return type.error();
    if (std::find(types.begin(), types.end(), *type) == types.end()) types.push_back(*type);
  }
  return {};
}

Result<Command> parseTail(const RawArgs& raw) {
  if (auto status = expectPositionals(raw, 0, {}); !status) return status.error();
  TailCommand command;
  if (auto status = addTypes(raw, command.types); !status) return status.error();
  if (auto text = raw.one("--count")) {
    auto count =
        checked(raw, parseNumber("--count", *text, 1, std::numeric_limits<std::uint64_t>::max()));
    if (!count) return count.error();
    command.count = *count;
  }
  if (auto text = raw.one("--filter")) {
    if (command.types.empty()) {
      return usageError("tail", "--filter needs the event types it applies to (--type)");
    }
    command.filter = *text;
  }
  return Command{std::move(command)};
}

Result<Command> parseCursors(const RawArgs& raw) {
  if (auto status = expectPositionals(raw, 0, {}); !status) return status.error();
  CursorsCommand command;
  if (auto module = raw.one("--delete")) {
    if (module->empty()) return usageError(raw.command, "--delete needs a module id");
    command.deleteModule = *module;
  }
  return Command{std::move(command)};
}

Result<Command> parseJournalRead(const RawArgs& raw) {
  static constexpr const char* kNames[] = {"SUBCOMMAND (read)"};
  if (auto status = expectPositionals(raw, 1, kNames); !status) return status.error();
  if (raw.positionals[0] != "read") {
    return usageError(raw.command, "unexpected argument '" + raw.positionals[0] +
                                       "' (journal takes 'read' or nothing)");
  }
  JournalReadCommand command;
  const auto from = raw.one("--from");
  const auto since = raw.one("--since");
  if (from.has_value() == since.has_value()) {
    return usageError(raw.command, "read needs exactly one of --from OFFSET and --since TIME");
  }
  if (from) {
    auto offset =
        checked(raw, parseNumber("--from", *from, 1, std::numeric_limits<std::int64_t>::max()));
    if (!offset) return offset.error();
    command.fromOffset = *offset;
  } else {
    auto time = checked(raw, parseSince(*since));
    if (!time) return time.error();
    (time->ago ? command.sinceAgoMs : command.sinceUnixMs) = time->ms;
  }
  if (auto status = addTypes(raw, command.types); !status) return status.error();
  if (auto text = raw.one("--count")) {
    auto count =
        checked(raw, parseNumber("--count", *text, 0, std::numeric_limits<std::uint64_t>::max()));
    if (!count) return count.error();
    command.count = *count;
  }
  return Command{std::move(command)};
}

Result<KeygenRequest> parseKeygen(const RawArgs& raw) {
  static constexpr const char* kNames[] = {"NAME"};
  if (auto status = expectPositionals(raw, 1, kNames); !status) return status.error();
  KeygenRequest request{raw.positionals[0]};
  if (auto dir = raw.one("--dir")) {
    if (dir->empty()) return usageError(raw.command, "--dir needs a directory");
    request.dir = *dir;
  }
  return request;
}

Result<Command> parseCommand(const RawArgs& raw) {
  const std::string& name = raw.command;
  if (name == "journal" && !raw.positionals.empty()) return parseJournalRead(raw);
  if (name == "journal") {
    for (const char* option : {"--from", "--since", "--type", "--count"}) {
      if (raw.has(option))
        return usageError(raw.command, std::string(option) + " belongs to 'journal read'");
    }
  }
  if (name == "status" || name == "modules" || name == "journal") {
    if (auto status = expectPositionals(raw, 0, {}); !status) return status.error();
    if (name == "status") return Command{StatusCommand{}};
    if (name == "journal") return Command{JournalCommand{}};
    return Command{ModulesCommand{}};
  }
  if (name == "stats") return parseStats(raw);
  if (name == "subscribers") return parseSubscribers(raw);
  if (name == "publish") return parsePublish(raw);
  if (name == "load") return parseLoad(raw);
  if (name == "unload" || name == "reload" || name == "forget") return parseModuleIdCommand(raw);
  if (name == "maintenance") return parseMaintenance(raw);
  if (name == "tail") return parseTail(raw);
  if (name == "cursors") return parseCursors(raw);
  return usageError({}, "unknown command '" + name + "'");
}

}  // namespace

Result<ParsedArgs> parseArgs(std::span<const std::string> args) {
  auto raw = tokenize(args);
  if (!raw) return raw.error();
  if (raw->globals.count("--help") > 0) return ParsedArgs{HelpRequest{raw->command}};
  if (raw->command == "help") {
    static constexpr const char* kNames[] = {"COMMAND"};
    if (auto status = expectPositionals(*raw, 0, kNames); !status) return status.error();
    if (raw->positionals.empty()) return ParsedArgs{HelpRequest{}};
    if (!isCommandName(raw->positionals[0])) {
      return usageError({}, "unknown command '" + raw->positionals[0] + "'");
    }
    return ParsedArgs{HelpRequest{raw->positionals[0]}};
  }
  if (raw->globals.count("--version") > 0) return ParsedArgs{VersionRequest{}};
  if (raw->command.empty()) return usageError({}, "missing command");
  if (raw->command == "keygen") {
    auto keygen = parseKeygen(*raw);
    if (!keygen) return keygen.error();
    return ParsedArgs{std::move(*keygen)};
  }
  auto globals = parseGlobals(*raw);
  if (!globals) return globals.error();
  auto command = parseCommand(*raw);
  if (!command) return command.error();
  return ParsedArgs{Invocation{std::move(*globals), std::move(*command)}};
}

}  // namespace plexus::ctl
