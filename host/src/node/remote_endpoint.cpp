#include "node/remote_endpoint.h"

#include <stdexcept>

#include "config/remote_config.h"
#include "plexus/ipc/curve_keys.h"
#include "runtime/logging.h"

namespace plexus::host {

std::unordered_set<std::string> remoteIdsOf(const v1::NodeConfig& config) {
  std::unordered_set<std::string> ids;
  for (const auto& module : config.module())
    if (isRemoteModule(module)) ids.insert(module.name());
  return ids;
}

std::unordered_map<std::string, std::string> remoteKeysOf(const v1::NodeConfig& config) {
  std::unordered_map<std::string, std::string> keys;
  for (const auto& module : config.module())
    if (isRemoteModule(module)) keys[module.public_key()] = module.name();
  return keys;
}

// The remote modules' CURVE ROUTER when remote.listen is set (bound now: a bind failure or an
// unreadable secret key fails the start); nullptr otherwise.
std::unique_ptr<ModuleSocket> openRemoteSocket(zmq::context_t& context, EventLoop& loop,
                                               RefusalLog& refusals, const v1::NodeConfig& config,
                                               ipc::BodyLayout layout) {
  if (config.remote().listen().empty()) return nullptr;
  auto secret = ipc::readSecretKeyFile(config.remote().secret_key_file());
  if (!secret) throw std::runtime_error("remote.secret_key_file: " + secret.error().message);
  ModuleSocket::Options options;
  options.tcpEndpoint = config.remote().listen();
  options.curveSecretKey = *secret;
  options.maxMessageBytes = config.max_message_bytes();
  options.bodyLayout = layout;
  auto socket = std::make_unique<ModuleSocket>(context, loop, refusals, options);
  logger("node")->info("remote modules: listening on {} (CURVE)", socket->endpoint());
  return socket;
}

}  // namespace plexus::host
