// Node::publisher() (plexus/host/publisher.h) in a real node embedded in this process, with real
// probe modules over real sockets: events published from two threads at once, in bursts and one
// at a time, so that they go both ways (routed by the publishing thread while the loop sleeps,
// and through the loop's queue while it is busy), reach every module in each thread's order,
// none lost, and every publish() answers with both modules' acceptance. EmbeddedNode's own error
// paths too.

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "embedded_node.h"
#include "plexus/ctl/control_client.h"
#include "plexus/host/node.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

// The node of `configText`, run in this process.
host::Node::Options nodeOptions(const std::string& configText,
                                const std::filesystem::path& runtimeDir) {
  auto config = host::parseConfig(configText, "node_publisher_test");
  if (!config.ok()) throw std::runtime_error(config.error().message);
  host::Node::Options options;
  options.config = *config;
  options.runtimeDir = runtimeDir;
  return options;
}

constexpr std::uint64_t kPerThread = 400;
constexpr std::uint64_t kSecondBase = 1'000'000;  // the second thread's heights start above

// Publishes heights base+1 .. base+kPerThread: bursts of 20 pipelined publishes, each followed by
// one publish() that waits for its answer (the loop then has nothing left and sleeps).
void publishFrom(host::Publisher& publisher, std::uint64_t base) {
  for (std::uint64_t height = base + 1; height <= base + kPerThread; ++height) {
    if (height % 21 == 0) {
      auto report = publisher.publish(newBlock(height));
      ASSERT_TRUE(report.ok()) << report.error().message;
      EXPECT_EQ(report->subscribers, 2u);
      EXPECT_EQ(report->accepted, 2u);
      EXPECT_TRUE(report->delivered());
    } else {
      ASSERT_TRUE(publisher.publishAsync(newBlock(height), {}).ok());
    }
  }
}

TEST(NodePublisherTest, TwoThreadsEventsReachEveryModuleInEachThreadsOrder) {
  TempDir dir("pxnp");
  std::string config = "timings {\n  heartbeat_interval_ms: 200\n}\n";
  std::vector<std::filesystem::path> reports;
  for (const std::string& name : std::vector<std::string>{"a", "b"}) {
    reports.push_back(dir / (name + ".report"));
    ModuleSpec spec(name, {}, {"--report", reports.back().string(), "--types", "NewBlock"});
    spec.capacity = 100;
    spec.policy = "DELIVERY_POLICY_BLOCK";  // nothing dropped: publishers wait for room
    config += spec.text();
  }
  EmbeddedNode embedded(nodeOptions(config, dir.path()));
  host::Publisher& publisher = embedded.node().publisher();
  // READY, not the probe's "connected": its subscription is sent after connect() returns.
  ctl::ControlClient control(dir.path());
  ASSERT_TRUE(waitAllReady(control));

  std::thread first([&] { publishFrom(publisher, 0); });
  std::thread second([&] { publishFrom(publisher, kSecondBase); });
  first.join();
  second.join();

  for (const auto& report : reports) {
    ASSERT_TRUE(waitFor([&] { return probeEvents(report).size() >= 2 * kPerThread; }))
        << report << ": " << probeEvents(report).size() << " events";
    std::vector<std::uint64_t> fromFirst;
    std::vector<std::uint64_t> fromSecond;
    for (const auto& event : probeEvents(report)) {
      EXPECT_EQ(event.type, "NewBlock");
      EXPECT_EQ(event.source, "host");
      EXPECT_EQ(event.droppedBefore, 0u);
      const std::uint64_t height = std::stoull(event.detail);
      (height > kSecondBase ? fromSecond : fromFirst).push_back(height);
    }
    ASSERT_EQ(fromFirst.size(), kPerThread) << report;
    ASSERT_EQ(fromSecond.size(), kPerThread) << report;
    for (std::uint64_t i = 0; i < kPerThread; ++i) {
      ASSERT_EQ(fromFirst[i], i + 1) << report << ": the first thread's order";
      ASSERT_EQ(fromSecond[i], kSecondBase + i + 1) << report << ": the second thread's order";
    }
  }
}

// EmbeddedNode's own paths: a node that cannot start is the constructor's exception, and a node
// whose run() already returned is not asked to shut down again (it no longer exists).
TEST(EmbeddedNodeTest, ANodeThatCannotStartThrowsAndOneThatStoppedIsLeftAlone) {
  TempDir dir("pxen");
  std::ofstream(dir / "file") << "not a directory";
  EXPECT_THROW(EmbeddedNode(nodeOptions("", dir / "file" / "runtime")), std::runtime_error);

  EmbeddedNode embedded(nodeOptions("", dir / "runtime"));
  EXPECT_TRUE(embedded.running());
  embedded.node().requestShutdown();
  ASSERT_TRUE(waitFor([&] { return !embedded.running(); }));
}  // the destructor: no requestShutdown() on the destroyed node (ASan would see it)

}  // namespace
}  // namespace plexus::test
