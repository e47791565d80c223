#include "stream_watch.h"

#include <plexus/v1/events.pb.h>

#include <algorithm>
#include <chrono>

namespace plexus::test {

std::string percentiles(std::vector<std::int64_t> us) {
  if (us.empty()) return "no events";
  std::sort(us.begin(), us.end());
  const auto at = [&](double q) {
    return us[static_cast<std::size_t>(q * static_cast<double>(us.size() - 1))];
  };
  return "over " + std::to_string(us.size()) + " events: p50 " + std::to_string(at(0.5)) +
         " us, p99 " + std::to_string(at(0.99)) + " us, max " + std::to_string(us.back()) + " us";
}

StreamWatch::StreamWatch(const std::string& url, const std::string& subject) {
  if (natsConnection_ConnectTo(&m_connection, url.c_str()) != NATS_OK) return;
  if (natsConnection_Subscribe(&m_sub, m_connection, subject.c_str(), &StreamWatch::onMessage,
                               this) == NATS_OK) {
    natsConnection_Flush(m_connection);
  }
}

StreamWatch::~StreamWatch() {
  // A drain lets a running callback finish: none runs once it completed.
  if (m_sub != nullptr && natsSubscription_Drain(m_sub) == NATS_OK) {
    natsSubscription_WaitForDrainCompletion(m_sub, 5000);
  }
  natsSubscription_Destroy(m_sub);
  natsConnection_Destroy(m_connection);
}

std::vector<std::int64_t> StreamWatch::latencies() {
  std::lock_guard lock(m_mutex);
  return m_latencies;
}

void StreamWatch::onMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  v1::Event event;
  if (event.ParseFromArray(natsMsg_GetData(msg), natsMsg_GetDataLength(msg))) {
    auto* self = static_cast<StreamWatch*>(closure);
    std::lock_guard lock(self->m_mutex);
    self->m_latencies.push_back((now - event.origin().published_at_unix_ns()) / 1000);
  }
  natsMsg_Destroy(msg);
}

}  // namespace plexus::test
