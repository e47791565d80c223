// plexusctl: the operator CLI of plexus-node. Usage, commands and exit codes are in help.cpp
// (`plexusctl --help`).

#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "plexus/ctl/args.h"
#include "plexus/ctl/connection.h"
#include "plexus/ctl/control_client.h"
#include "plexus/ctl/help.h"
#include "plexus/ctl/keygen.h"
#include "plexus/ctl/run.h"
#include "plexus/ctl/stop_signals.h"
#include "plexus/ipc/endpoints.h"
#include "plexus/ipc/protocol.h"
#include "plexus/version.h"

namespace {

using namespace plexus;

int exitCode(ctl::ExitCode code) {
  return static_cast<int>(code);
}

int runInvocation(const ctl::Invocation& invocation) {
  const auto runtimeDir = ipc::resolveRuntimeDir(invocation.globals.runtimeDir, "");
  try {
    ctl::ControlClient client(runtimeDir);
    ctl::ClientConnection connection(client);
    std::optional<ctl::StopSignals> signals;
    if (std::holds_alternative<ctl::TailCommand>(invocation.command)) signals.emplace();
    return exitCode(
        ctl::run(invocation, connection, ctl::StopSignals::flag(), std::cout, std::cerr));
  } catch (const std::exception& e) {
    // ZeroMQ refusing the endpoint (e.g. a path too long for a unix socket) and the like.
    std::cerr << "plexusctl: cannot reach plexus-node at "
              << ipc::controlSocketPath(runtimeDir).string() << ": " << e.what() << "\n";
    return exitCode(ctl::ExitCode::Unreachable);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = ctl::parseArgs(args);
  if (!parsed) {
    std::cerr << "plexusctl: " << parsed.error().message << "\n";
    return exitCode(ctl::ExitCode::Usage);
  }
  if (const auto* help = std::get_if<ctl::HelpRequest>(&*parsed)) {
    std::cout << (help->command.empty() ? ctl::generalHelp() : ctl::commandHelp(help->command));
    return exitCode(ctl::ExitCode::Ok);
  }
  if (std::holds_alternative<ctl::VersionRequest>(*parsed)) {
    std::cout << "plexusctl " << kPlexusVersion << " (protocol " << ipc::protocolVersionString()
              << ")\n";
    return exitCode(ctl::ExitCode::Ok);
  }
  if (const auto* keygen = std::get_if<ctl::KeygenRequest>(&*parsed)) {
    return exitCode(ctl::runKeygen(*keygen, std::cout, std::cerr));
  }
  return runInvocation(std::get<ctl::Invocation>(*parsed));
}
