#include "remote_connect.h"

#include <algorithm>

#include "plexus/ipc/curve_keys.h"

namespace plexus::sdk::detail {

bool isRemoteEndpoint(const std::string& endpoint) {
  return endpoint.rfind("tcp://", 0) == 0;
}

CurveKeys resolveCurveKeys(const ConnectOptions& options) {
  const std::string where = "a tcp:// endpoint (" + options.endpoint + ")";
  if (auto curve = ipc::requireCurve(); !curve.ok()) {
    throw ConnectError(where + " needs CURVE: " + curve.error().message);
  }
  CurveKeys keys;
  if (options.serverKey.empty()) {
    throw ConnectError(where + " needs the node's public key (ConnectOptions::serverKey, or " +
                       kEnvServerKey + ")");
  }
  if (auto valid = ipc::checkZ85Key(options.serverKey, "the node's public key"); !valid.ok()) {
    throw ConnectError(valid.error().message);
  }
  keys.serverKey = options.serverKey;
  if (!options.secretKey.empty()) {
    keys.secretKey = options.secretKey;
  } else if (!options.secretKeyFile.empty()) {
    auto secret = ipc::readSecretKeyFile(options.secretKeyFile);
    if (!secret.ok()) throw ConnectError(secret.error().message);
    keys.secretKey = *secret;
  } else {
    throw ConnectError(where +
                       " needs the module's secret key (ConnectOptions::secretKey or "
                       "secretKeyFile, or " +
                       std::string(kEnvSecretKeyFile) + ")");
  }
  auto publicKey = ipc::publicKeyOf(keys.secretKey);
  if (!publicKey.ok()) throw ConnectError(publicKey.error().message);
  keys.publicKey = *publicKey;
  return keys;
}

void configureRemoteDealer(zmq::socket_t& dealer, const std::string& moduleId,
                           const CurveKeys& keys, std::chrono::milliseconds heartbeat) {
  dealer.set(zmq::sockopt::routing_id, moduleId);
  dealer.set(zmq::sockopt::curve_serverkey, keys.serverKey);
  dealer.set(zmq::sockopt::curve_publickey, keys.publicKey);
  dealer.set(zmq::sockopt::curve_secretkey, keys.secretKey);
  dealer.set(zmq::sockopt::immediate, 1);
  dealer.set(zmq::sockopt::sndhwm, 100000);
  dealer.set(zmq::sockopt::rcvhwm, 100000);
  dealer.set(zmq::sockopt::linger, 200);
  const int interval = static_cast<int>(std::max<std::int64_t>(heartbeat.count(), 10));
  dealer.set(zmq::sockopt::heartbeat_ivl, interval);
  dealer.set(zmq::sockopt::heartbeat_timeout, 3 * interval);
}

std::chrono::milliseconds Backoff::next() {
  const auto delay = m_delay;
  m_delay = std::min(kMax, m_delay * 2);
  std::uniform_int_distribution<std::int64_t> jitter(delay.count() / 2, delay.count());
  return std::chrono::milliseconds(jitter(m_random));
}

}  // namespace plexus::sdk::detail
