#include "plexus/ctl/raw_args.h"

#include <algorithm>
#include <vector>

#include "plexus/ctl/arg_values.h"
#include "plexus/ctl/help.h"
#include "plexus/ipc/utf8.h"

namespace plexus::ctl {

namespace {

struct OptionSpec {
  std::string_view name;
  bool takesValue = false;
  bool repeatable = false;
};

constexpr OptionSpec kGlobalOptions[] = {
    {"--runtime-dir", true, false}, {"--timeout", true, false}, {"--json", false, true},
    {"--help", false, true},        {"-h", false, true},        {"--version", false, true}};

std::span<const OptionSpec> commandOptions(std::string_view command) {
  static const std::map<std::string_view, std::vector<OptionSpec>> kOptions = {
      {"stats", {{"--reset", false, true}}},
      {"publish", {{"--payload", true, false}, {"--count", true, false}}},
      {"load",
       {{"--exec", true, false},
        {"--arg", true, true},
        {"--capacity", true, false},
        {"--policy", true, false},
        {"--restart", true, false},
        {"--setting", true, true},
        {"--subscribe", true, true},
        {"--publish", true, true},
        {"--durable", false, false}}},
      {"maintenance",
       {{"--urgency", true, false}, {"--reason", true, false}, {"--timeout-ms", true, false}}},
      {"cursors", {{"--delete", true, false}}},
      {"keygen", {{"--dir", true, false}}},
      {"journal",
       {{"--from", true, false},
        {"--since", true, false},
        {"--type", true, true},
        {"--count", true, false}}},
      {"tail", {{"--type", true, true}, {"--count", true, false}, {"--filter", true, false}}},
  };
  auto it = kOptions.find(command);
  if (it == kOptions.end()) return {};
  return it->second;
}

const OptionSpec* findOption(std::span<const OptionSpec> specs, std::string_view name) {
  auto it = std::find_if(specs.begin(), specs.end(),
                         [name](const OptionSpec& spec) { return spec.name == name; });
  return it == specs.end() ? nullptr : &*it;
}

}  // namespace

Error usageError(std::string_view command, const std::string& problem) {
  std::string message = command.empty() ? problem : std::string(command) + ": " + problem;
  message += command.empty() ? "\nrun 'plexusctl --help' for usage"
                             : "\nrun 'plexusctl " + std::string(command) + " --help' for usage";
  return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, std::move(message));
}

Result<RawArgs> tokenize(std::span<const std::string> args) {
  RawArgs raw;
  std::optional<Error> firstError;  // reported only when --help is absent
  bool help = false;
  bool optionsEnded = false;
  auto fail = [&](const std::string& problem) {
    if (!firstError) firstError = usageError(raw.command, problem);
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const bool isOption = !optionsEnded && arg.size() > 1 && arg[0] == '-';
    if (!isOption) {
      if (raw.command.empty()) {
        raw.command = arg;
        if (!isCommandName(arg)) {
          raw.command.clear();
          fail("unknown command '" + arg + "'");
        }
      } else {
        // Everything but --runtime-dir travels in the wire's string fields, which must be UTF-8.
        if (!ipc::isValidUtf8(arg)) fail("'" + ipc::escapeText(arg) + "' is not valid UTF-8");
        raw.positionals.push_back(arg);
      }
      continue;
    }
    if (arg == "--") {
      optionsEnded = true;
      continue;
    }
    std::string name = arg;
    std::optional<std::string> value;
    if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    const OptionSpec* spec = findOption(kGlobalOptions, name);
    const bool global = spec != nullptr;
    if (!global) spec = findOption(commandOptions(raw.command), name);
    if (spec == nullptr) {
      fail("unknown option '" + name + "'");
      continue;
    }
    if (spec->takesValue && !value) {
      if (i + 1 >= args.size()) {
        fail(name + " needs a value");
        continue;
      }
      value = args[++i];  // taken as is, even when it starts with '-'
    }
    if (!spec->takesValue && value) {
      fail(name + " takes no value");
      continue;
    }
    auto& bucket = global ? raw.globals : raw.options;
    if (!spec->repeatable && bucket.count(name) > 0) {
      fail(name + " given more than once");
      continue;
    }
    if (name == "--help" || name == "-h") help = true;
    if (value && name != "--runtime-dir" && !ipc::isValidUtf8(*value)) {
      fail(name + " '" + ipc::escapeText(*value) + "' is not valid UTF-8");
      continue;
    }
    bucket.emplace(name, value.value_or(""));
  }
  if (help) {
    raw.globals.emplace("--help", "");
    return raw;
  }
  if (firstError) return *firstError;
  return raw;
}

Status expectPositionals(const RawArgs& raw, std::size_t min, std::span<const char* const> names) {
  if (raw.positionals.size() < min) {
    return usageError(raw.command, std::string("missing ") + names[raw.positionals.size()]);
  }
  if (raw.positionals.size() > names.size()) {
    return usageError(raw.command, "unexpected argument '" + raw.positionals[names.size()] + "'");
  }
  for (std::size_t i = 0; i < raw.positionals.size(); ++i) {
    if (raw.positionals[i].empty()) {
      return usageError(raw.command, std::string(names[i]) + " must not be empty");
    }
  }
  return {};
}

Result<v1::EventType> eventTypeAt(const RawArgs& raw, std::size_t index) {
  auto type = parseEventTypeArg(raw.positionals[index]);
  if (!type) return usageError(raw.command, type.error().message);
  return *type;
}

}  // namespace plexus::ctl
