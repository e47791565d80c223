#pragma once

// SteadyStream: the operator publishes NewBlock heights 1, 2, 3... one at a time until stopped,
// the steady traffic that well-behaved modules must receive whole while something hostile goes
// on beside them. expectWholeStream checks that a probe got all of it, in order, without gaps.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "plexus/ctl/control_client.h"
#include "test_node.h"

namespace plexus::test {

class SteadyStream {
 public:
  explicit SteadyStream(const TestNode& node)
      : m_dir(node.runtimeDir()), m_thread([this] { run(); }) {}
  ~SteadyStream() { stop(); }
  SteadyStream(const SteadyStream&) = delete;
  SteadyStream& operator=(const SteadyStream&) = delete;

  // Stops publishing; returns how many events were published (the last height).
  std::uint64_t stop() {
    m_stop = true;
    if (m_thread.joinable()) m_thread.join();
    return m_published;
  }
  std::uint64_t published() const { return m_published; }
  // Publishes the node did not answer with a full delivery (each would be a gap somewhere).
  std::uint64_t failures() const { return m_failures; }

 private:
  void run() {
    ctl::ControlClient client(m_dir);  // one thread per client
    while (!m_stop) {
      v1::ControlRequest request;
      *request.mutable_publish()->mutable_event() = newBlock(m_published + 1);
      request.mutable_publish()->set_count(1);
      auto response = client.call(request, std::chrono::seconds(10));
      if (!response.ok() || !response->has_publish() || response->publish().dropped() > 0) {
        ++m_failures;
        return;
      }
      ++m_published;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // pacing, not synchronisation
    }
  }

  std::filesystem::path m_dir;
  std::atomic<bool> m_stop{false};
  std::atomic<std::uint64_t> m_published{0};
  std::atomic<std::uint64_t> m_failures{0};
  std::thread m_thread;
};

// `report` (a probe subscribed to NewBlock only) holds heights 1..count as seqs 1..count.
inline void expectWholeStream(const std::filesystem::path& report, std::uint64_t count) {
  SCOPED_TRACE(report.string());
  ASSERT_TRUE(waitFor([&] { return probeEvents(report).size() >= count; }))
      << probeEvents(report).size() << " of " << count;
  auto events = probeEvents(report);
  ASSERT_EQ(events.size(), count);
  for (std::uint64_t i = 0; i < count; ++i) {
    ASSERT_EQ(events[i].seq, i + 1) << "at index " << i;
    ASSERT_EQ(events[i].droppedBefore, 0u) << "at index " << i;
    ASSERT_EQ(events[i].detail, std::to_string(i + 1)) << "publish order, at index " << i;
  }
}

}  // namespace plexus::test
