// plexus-node [--config FILE] [--runtime-dir DIR] [--check-config] [--version]
// Exit status:
//   0  after a shutdown (SIGINT, SIGTERM, SIGHUP), whatever the modules did; a valid
//   --check-config; 1  the node could not start (runtime dir locked by another node, sockets), or
//   its loop
//      failed (an exception escaped it);
//   2  usage or configuration errors (unknown flag, missing value, a config that does not
//      parse or validate, unknown log level, a module executable not found by --check-config,
//      a runtime dir from --runtime-dir or $XDG_RUNTIME_DIR that is not UTF-8).

#include <signal.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "config/config.h"
#include "config/remote_config.h"
#include "plexus/host/node.h"
#include "plexus/ipc/endpoints.h"
#include "plexus/ipc/protocol.h"
#include "plexus/ipc/utf8.h"
#include "plexus/version.h"
#include "runtime/logging.h"
#include "runtime/signal_watcher.h"
#include "supervision/process_spawner.h"

namespace {

constexpr const char* kUsage =
    R"(usage: plexus-node [--config FILE] [--runtime-dir DIR] [--check-config] [--version]

Runs the Plexus node: spawns and supervises the configured modules and routes their events.
Without --config it runs the embedded default configuration (the shipped modules).

  --config FILE       configuration in protobuf text format (see docs/config.md)
  --runtime-dir DIR   where the sockets live (default: config runtime_dir,
                      else $XDG_RUNTIME_DIR/plexus, else /tmp/plexus-$UID)
  --check-config      validate the configuration and the module executables, then exit
  --print-default-config
                      print the embedded default configuration
  --version           print the version and exit
)";

int usageError(const std::string& message) {
  std::cerr << "plexus-node: " << message << "\n" << kUsage;
  return 2;
}

// The runtime dir travels in status replies, a protobuf string field: a path that is legal on
// Linux but not UTF-8 would make every reply unparseable. Refused up front, naming where it
// came from (the config's runtime_dir is checked with the other settings).
std::string runtimeDirError(const std::string& explicitDir, const std::string& configDir) {
  if (!explicitDir.empty()) {
    if (plexus::ipc::isValidUtf8(explicitDir)) return {};
    return "--runtime-dir '" + plexus::ipc::escapeText(explicitDir) + "' is not valid UTF-8";
  }
  if (!configDir.empty()) return {};
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (xdg == nullptr || plexus::ipc::isValidUtf8(xdg)) return {};
  return "$XDG_RUNTIME_DIR '" + plexus::ipc::escapeText(xdg) +
         "' is not valid UTF-8 (give the node a --runtime-dir)";
}

}  // namespace

int main(int argc, char** argv) {
  std::string configPath, runtimeDir;
  bool checkOnly = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)name;
      return argv[++i];
    };
    if (arg == "--config") {
      const char* v = value("--config");
      if (!v) return usageError("--config needs a file");
      configPath = v;
    } else if (arg == "--runtime-dir") {
      const char* v = value("--runtime-dir");
      if (!v) return usageError("--runtime-dir needs a directory");
      runtimeDir = v;
    } else if (arg == "--check-config") {
      checkOnly = true;
    } else if (arg == "--print-default-config") {
      std::cout << plexus::host::embeddedDefaultConfig();
      return 0;
    } else if (arg == "--version") {
      std::cout << "plexus-node " << plexus::kPlexusVersion << " (protocol "
                << plexus::ipc::protocolVersionString() << ")\n";
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      return usageError("unknown argument '" + arg + "'");
    }
  }

  auto config = configPath.empty()
                    ? plexus::host::parseConfig(plexus::host::embeddedDefaultConfig(),
                                                "<embedded default config>")
                    : plexus::host::loadConfigFile(configPath);
  if (!config) {
    std::cerr << "plexus-node: " << config.error().message << "\n";
    return 2;
  }
  if (auto status = plexus::host::validateConfig(*config); !status) {
    std::cerr << "plexus-node: " << (configPath.empty() ? "embedded config" : configPath) << ": "
              << status.error().message << "\n";
    return 2;
  }
  // The node's CURVE secret key (remote modules): readable, private and valid, or no start.
  if (auto status = plexus::host::checkRemoteSecretKey(*config); !status) {
    std::cerr << "plexus-node: " << status.error().message << "\n";
    return 2;
  }
  if (auto error = runtimeDirError(runtimeDir, config->runtime_dir()); !error.empty()) {
    std::cerr << "plexus-node: " << error << "\n";
    return 2;
  }
  if (checkOnly) {
    int problems = 0;
    for (const auto& module : config->module()) {
      if (plexus::host::isRemoteModule(module)) continue;  // not spawned: no executable
      auto exec = plexus::host::resolveExecutable(module.exec(), plexus::host::selfDirectory());
      if (!exec) {
        std::cerr << "plexus-node: module '" << module.name() << "': " << exec.error().message
                  << "\n";
        ++problems;
      }
    }
    if (problems > 0) return 2;
    std::cout << "configuration OK: " << config->module_size() << " module(s)\n";
    return 0;
  }

  try {
    std::map<std::string, std::string> components(config->log().components().begin(),
                                                  config->log().components().end());
    plexus::host::configureLogging(config->log().level(), components);
  } catch (const std::exception& e) {
    std::cerr << "plexus-node: " << e.what() << "\n";
    return 2;
  }

  // Signals are read from a signalfd by the loop: block them before any thread exists.
  // SIGHUP (the terminal closed, or an operator's reload habit) stops the node gracefully too:
  // its default action would kill it without a shutdown, leaving sockets and lock behind.
  plexus::host::blockSignals({SIGINT, SIGTERM, SIGHUP});
  ::signal(SIGPIPE, SIG_IGN);

  try {
    plexus::host::Node::Options options;
    options.config = *config;
    options.runtimeDir = plexus::ipc::resolveRuntimeDir(runtimeDir, config->runtime_dir());
    options.handleSignals = true;
    options.metricsOptional = configPath.empty();  // the embedded default: warn, run without
    int status = 1;
    {
      plexus::host::Node node(std::move(options));
      status = node.run();  // 0 after a shutdown, 1 when the loop failed
    }
    // The last lines (and the count of lines a blocked stream dropped), if the reader is alive.
    plexus::host::drainLog(std::chrono::seconds(1));
    return status;
  } catch (const std::exception& e) {
    plexus::host::logger("node")->critical("cannot run: {}", e.what());
    return 1;
  }
}
