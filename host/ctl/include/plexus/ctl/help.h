#pragma once

// The text of `plexusctl --help` and of `plexusctl COMMAND --help`: the command line's only
// documentation, so it names every option, default and exit code.

#include <span>
#include <string>
#include <string_view>

namespace plexus::ctl {

// Every command, in the order the help lists them.
std::span<const std::string_view> commandNames();
bool isCommandName(std::string_view name);

std::string generalHelp();
// Empty when `command` is not a command.
std::string commandHelp(std::string_view command);

// "NewBlock, NewTransaction, ..." in enum order.
std::string eventTypeNames();

}  // namespace plexus::ctl
