#pragma once

// The remote (tcp://) side of a module connection: CURVE keys from ConnectOptions, the DEALER's
// CURVE and ZMTP heartbeat options, and the reconnection backoff.
// Thread rule: resolveCurveKeys() and configureRemoteDealer() are pure (the socket is the
// caller's); a Backoff belongs to the thread that owns the connection.

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <zmq.hpp>

#include "plexus/sdk/module.h"

namespace plexus::sdk::detail {

// Environment of a remote module (README, "More than one machine").
inline constexpr const char* kEnvServerKey = "PLEXUS_SERVER_KEY";
inline constexpr const char* kEnvSecretKeyFile = "PLEXUS_SECRET_KEY_FILE";

// A tcp:// endpoint: a remote node, CURVE instead of the spawn token.
bool isRemoteEndpoint(const std::string& endpoint);

struct CurveKeys {
  std::string serverKey;  // Z85, the node's public key
  std::string publicKey;  // Z85, the module's, derived from the secret key
  std::string secretKey;  // Z85
};

// The keys of a tcp:// connection: serverKey, and secretKey or else secretKeyFile (which must
// not be readable by group or others). Throws ConnectError naming what is missing or wrong.
CurveKeys resolveCurveKeys(const ConnectOptions& options);

// DEALER for a remote node: routing id = module id, CURVE client, ZMQ_IMMEDIATE, and ZMTP
// heartbeats every `heartbeat`, the connection dropped after three without an answer.
void configureRemoteDealer(zmq::socket_t& dealer, const std::string& moduleId,
                           const CurveKeys& keys, std::chrono::milliseconds heartbeat);

// Exponential backoff with jitter: 100 ms doubling to 5 s; each delay is drawn in [d/2, d].
class Backoff {
 public:
  static constexpr std::chrono::milliseconds kFirst{100};
  static constexpr std::chrono::milliseconds kMax{5000};
  // The delay to wait now; the next one doubles.
  std::chrono::milliseconds next();
  // After a productive connection (handshake and subscription done).
  void reset() { m_delay = kFirst; }

 private:
  std::chrono::milliseconds m_delay = kFirst;
  std::minstd_rand m_random{std::random_device{}()};
};

}  // namespace plexus::sdk::detail
