#pragma once

// plexusctl's command line split up (tokenize), before any value is interpreted, and the
// helpers the command parsers (args.cpp) share: usage errors, positional counts. Pure, like
// parseArgs.

#include <plexus/v1/events.pb.h>

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/ipc/result.h"

namespace plexus::ctl {

struct RawArgs {
  std::string command;
  std::vector<std::string> positionals;
  std::multimap<std::string, std::string> options;  // command options (not global ones)
  std::multimap<std::string, std::string> globals;

  std::vector<std::string> all(const std::string& name) const {
    std::vector<std::string> out;
    auto [first, last] = options.equal_range(name);
    for (auto it = first; it != last; ++it)
      out.push_back(it->second);
    return out;
  }
  std::optional<std::string> one(const std::string& name) const {
    auto it = options.find(name);
    if (it == options.end()) return std::nullopt;
    return it->second;
  }
  bool has(const std::string& name) const { return options.count(name) > 0; }
};

// Splits `args` into options and positionals; the first positional is the command. Knows each
// command's options (whether they take a value, may repeat); with --help anywhere, the other
// problems are not reported (globals holds "--help").
Result<RawArgs> tokenize(std::span<const std::string> args);

// INVALID_ARGUMENT: "COMMAND: problem" and a pointer to the right --help.
Error usageError(std::string_view command, const std::string& problem);

// Checks the number of positionals; `names` lists them for the messages ("MODULE").
Status expectPositionals(const RawArgs& raw, std::size_t min, std::span<const char* const> names);

Result<v1::EventType> eventTypeAt(const RawArgs& raw, std::size_t index);

// Wraps a value parser's error as a usage error of this command.
template <class T>
Result<T> checked(const RawArgs& raw, Result<T> value) {
  if (!value) return usageError(raw.command, value.error().message);
  return value;
}

}  // namespace plexus::ctl
