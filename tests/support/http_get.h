#pragma once

// A minimal HTTP/1.1 client for integration tests (Boost.Beast, blocking, with a deadline on
// every read): scraping the node's /metrics and asking Prometheus's HTTP API; and a free TCP port
// on loopback for a server the test starts.
// Thread rule: free functions, any thread.

#include <chrono>
#include <cstdint>
#include <string>

namespace plexus::test {

struct HttpReply {
  int status = 0;  // 0: no answer (connect failed, timeout)
  std::string contentType;
  std::string body;
};

// GET http://127.0.0.1:<port><target>.
HttpReply httpGet(std::uint16_t port, const std::string& target,
                  std::chrono::milliseconds timeout = std::chrono::seconds(5));

// A port nothing listens on right now (bound to 0 and released).
std::uint16_t freeLoopbackPort();

}  // namespace plexus::test
