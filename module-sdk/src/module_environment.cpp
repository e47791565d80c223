// Module::fromEnvironment: the spawn contract (the module id and endpoint from the environment,
// the one-time token as one line on stdin), or for a tcp:// endpoint a remote module's keys
// (PLEXUS_SERVER_KEY, PLEXUS_SECRET_KEY_FILE), then Module::connect.

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <string>

#include "plexus/ipc/protocol.h"
#include "plexus/sdk/module.h"
#include "remote_connect.h"

namespace plexus::sdk {

namespace {

// The token line plexus-node writes on stdin: 64 hex characters and a newline.
std::string readToken(std::chrono::milliseconds timeout) {
  std::string token;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd in{STDIN_FILENO, POLLIN, 0};
    int ready = ::poll(&in, 1, static_cast<int>(std::max<long>(0, left.count())));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0)
      throw ConnectError("no token on stdin within " + std::to_string(timeout.count()) + " ms");
    char c;
    ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    if (token.size() > 256) throw ConnectError("the token line on stdin is too long");
    token += c;
  }
  if (token.empty()) {
    throw ConnectError("no token on stdin: a module is started by plexus-node, which writes it");
  }
  return token;
}

}  // namespace

Module Module::fromEnvironment(Identity identity) {
  const char* id = std::getenv(ipc::kEnvModuleId);
  const char* endpoint = std::getenv(ipc::kEnvEndpoint);
  if (id == nullptr || endpoint == nullptr || *id == '\0' || *endpoint == '\0') {
    throw ConnectError(std::string(ipc::kEnvModuleId) + " and " + ipc::kEnvEndpoint +
                       " are not set: a module is started by plexus-node (add it to the node's "
                       "configuration or use `plexusctl load`)");
  }
  ConnectOptions options;
  options.moduleId = id;
  options.endpoint = endpoint;
  options.identity = std::move(identity);
  if (detail::isRemoteEndpoint(options.endpoint)) {
    // A remote module: started by whoever runs it, not by the node; nothing comes on stdin.
    const char* serverKey = std::getenv(detail::kEnvServerKey);
    const char* secretFile = std::getenv(detail::kEnvSecretKeyFile);
    if (serverKey == nullptr || *serverKey == '\0' || secretFile == nullptr ||
        *secretFile == '\0') {
      throw ConnectError(std::string("a remote module (") + ipc::kEnvEndpoint + "=" + endpoint +
                         ") needs " + detail::kEnvServerKey + " (the node's public key) and " +
                         detail::kEnvSecretKeyFile + " (this module's secret key file)");
    }
    options.serverKey = serverKey;
    options.secretKeyFile = secretFile;
  } else {
    options.token = readToken(options.timeout);
  }
  return connect(options);
}

}  // namespace plexus::sdk
