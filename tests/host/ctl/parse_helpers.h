#pragma once

// The ctl tests' command-line helpers: a command line parsed as plexusctl parses it, the
// invocation or command of one that must parse, and the message of one that must not.

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "plexus/ctl/args.h"

namespace plexus::ctl::testing {

inline Result<ParsedArgs> parse(std::initializer_list<const char*> args) {
  std::vector<std::string> list(args.begin(), args.end());
  return parseArgs(list);
}

// The invocation of a command line that must parse.
inline Invocation invocation(std::initializer_list<const char*> args) {
  auto parsed = parse(args);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  if (!parsed) return {};
  EXPECT_TRUE(std::holds_alternative<Invocation>(*parsed));
  if (!std::holds_alternative<Invocation>(*parsed)) return {};
  return std::get<Invocation>(std::move(*parsed));
}

// The command of a command line that must parse to a T.
template <class T>
T command(std::initializer_list<const char*> args) {
  auto inv = invocation(args);
  EXPECT_TRUE(std::holds_alternative<T>(inv.command));
  if (!std::holds_alternative<T>(inv.command)) return {};
  return std::get<T>(std::move(inv.command));
}

// The message of a command line that must be a usage error.
inline std::string usageError(std::initializer_list<const char*> args) {
  auto parsed = parse(args);
  EXPECT_FALSE(parsed.ok());
  if (parsed) return {};
  EXPECT_EQ(parsed.error().code, v1::ERROR_CODE_INVALID_ARGUMENT);
  return parsed.error().message;
}

}  // namespace plexus::ctl::testing
