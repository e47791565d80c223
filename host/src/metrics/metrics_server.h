#pragma once

// MetricsServer: serves GET /metrics (Prometheus text format 0.0.4) over HTTP/1.1 (Boost.Beast)
// on a thread of its own with its own io_context. Each scrape takes a snapshot from its
// SnapshotSource (the event loop builds it; 503 when none comes within the deadline) and formats
// it on this thread. Any other path: 404; another method on /metrics: 405. Requests are bounded
// in size (413/431), every read and write has a deadline (a slow client loses its connection,
// others are served meanwhile), and at most maxConnections are open at once (more are closed).
// Thread rule: the factory and the destructor on one thread (the node's); everything else on the
// server's own thread.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "metrics/metrics_collector.h"
#include "plexus/ipc/result.h"

namespace plexus::host {

struct MetricsServerOptions {
  std::string listen;  // "host:port", "[v6]:port"; port 0 picks a free one
  std::size_t maxConnections = 16;
  std::size_t maxRequestBytes = 8192;         // header and body, each
  std::chrono::milliseconds ioTimeout{5000};  // per read (including idle keep-alive) and write
  std::chrono::milliseconds snapshotDeadline{2000};
};

class MetricsServer {
 public:
  virtual ~MetricsServer() = default;
  // Where it listens, "address:port" (the bound port when 0 was asked for).
  virtual std::string endpoint() const = 0;
};

// Binds and starts serving; an error naming metrics_listen when the address does not parse or
// resolve, or cannot be bound (in use, not local). `source` must outlive the server.
Result<std::unique_ptr<MetricsServer>> makeMetricsServer(const MetricsServerOptions& options,
                                                         SnapshotSource& source);

}  // namespace plexus::host
