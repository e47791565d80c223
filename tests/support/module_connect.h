#pragma once

// How a test module started by plexus-node connects (plexus-test-probe, -filter, -lanes): its id
// and endpoint from the environment, the one-time token from the first line of stdin, and, for
// the version tests, a claimed protocol "M.N" (empty: the SDK's own). A tcp:// endpoint is a
// remote module started by the test: its keys from PLEXUS_SERVER_KEY and PLEXUS_SECRET_KEY_FILE
// (as Module::fromEnvironment), nothing from stdin.
// Thread rule: call from main() before connecting.

#include <plexus/sdk/module.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>

#include "plexus/ipc/protocol.h"

namespace plexus::test {

inline void claimProtocol(sdk::ConnectOptions& connect, const std::string& protocol) {
  if (protocol.empty()) return;
  connect.protocolMajor = static_cast<std::uint32_t>(std::stoul(protocol));
  connect.protocolMinor =
      static_cast<std::uint32_t>(std::stoul(protocol.substr(protocol.find('.') + 1)));
}

inline sdk::ConnectOptions connectOptionsFromNode(sdk::Identity identity,
                                                  const std::string& protocol = {}) {
  sdk::ConnectOptions connect;
  const char* id = std::getenv(ipc::kEnvModuleId);
  const char* endpoint = std::getenv(ipc::kEnvEndpoint);
  connect.moduleId = id != nullptr ? id : "";
  connect.endpoint = endpoint != nullptr ? endpoint : "";
  if (connect.endpoint.rfind("tcp://", 0) == 0) {
    const char* serverKey = std::getenv("PLEXUS_SERVER_KEY");
    const char* secretKeyFile = std::getenv("PLEXUS_SECRET_KEY_FILE");
    connect.serverKey = serverKey != nullptr ? serverKey : "";
    connect.secretKeyFile = secretKeyFile != nullptr ? secretKeyFile : "";
  } else {
    std::getline(std::cin, connect.token);
  }
  connect.identity = std::move(identity);
  claimProtocol(connect, protocol);
  return connect;
}

}  // namespace plexus::test
