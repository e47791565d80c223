#pragma once

// Measurement helpers of the bridge's latency test (nats_bridge_test.cpp): percentiles of a set
// of latencies, and StreamWatch, which takes the first half of the way (an event's publish on
// its node to NATS handing it out) by subscribing to the stream's subjects itself.

#include <nats/nats.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace plexus::test {

// "over N events: p50 X us, p99 Y us, max Z us" ("no events" when empty).
std::string percentiles(std::vector<std::int64_t> us);

// A core NATS subscription (no JetStream) on `subject` that takes now minus each event's
// origin.published_at_unix_ns as NATS delivers it. Thread rule: the callback runs on nats.c's
// thread; latencies() copies under the mutex, from any thread.
class StreamWatch {
 public:
  StreamWatch(const std::string& url, const std::string& subject);
  ~StreamWatch();
  StreamWatch(const StreamWatch&) = delete;
  StreamWatch& operator=(const StreamWatch&) = delete;
  std::vector<std::int64_t> latencies();

 private:
  static void onMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* closure);

  natsConnection* m_connection = nullptr;
  natsSubscription* m_sub = nullptr;
  std::mutex m_mutex;
  std::vector<std::int64_t> m_latencies;
};

}  // namespace plexus::test
