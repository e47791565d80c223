// `plexusctl tail` sessions leave nothing behind once they end (issue 10, item 8): neither one
// that ended with TailStop (the real plexusctl, after --count events) nor one whose client
// vanished. Before, every ended session kept its subscriber slot and statistics for ever.

#include <gtest/gtest.h>

#include <future>
#include <string>
#include <vector>

#include "plexus/ctl/control_client.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;

bool hasStats(TestNode& node, const std::string& id) {
  v1::ControlRequest request;
  request.mutable_stats()->set_module_id(id);
  auto response = ctl::ControlClient(node.runtimeDir()).call(request, 10s);
  return response.ok() && response->has_stats() && response->stats().modules_size() == 1;
}

TEST(TailTest, EndedSessionsLeaveNoSlotOrStatisticsBehind) {
  TestNode node("");
  node.start();
  constexpr int kStopped = 6;   // tail:1..6, ended by TailStop after one event
  constexpr int kVanished = 4;  // tail:7..10, their clients close without TailStop
  std::vector<std::future<CtlRun>> tails;
  tails.reserve(kStopped);
  for (int i = 0; i < kStopped; ++i) {
    tails.push_back(std::async(std::launch::async,
                               [&] { return runCtl(node, "tail --type NewBlock --count 1"); }));
  }
  ASSERT_TRUE(waitFor([&] {
    return countLines(node.log(), "tail session tail:") >= static_cast<std::size_t>(kStopped);
  })) << node.log();
  EXPECT_TRUE(hasStats(node, "tail:1")) << "a live session has a slot";
  ASSERT_TRUE(node.publish(newBlock(7)).has_publish());
  for (auto& tail : tails) {
    ASSERT_EQ(tail.wait_for(30s), std::future_status::ready);
    EXPECT_EQ(tail.get().exitCode, 0);
  }
  for (int i = 0; i < kVanished; ++i) {
    ctl::ControlClient client(node.runtimeDir());
    v1::ControlRequest tail;
    tail.mutable_tail()->add_types(v1::EVENT_TYPE_NEW_BLOCK);
    ASSERT_TRUE(client.send(tail).ok());
    const std::string id = "tail:" + std::to_string(kStopped + i + 1);
    ASSERT_TRUE(waitFor([&] { return node.log().find(id + " started") != std::string::npos; }));
  }  // each client's socket closes: the node's probe finds it gone
  for (int i = 1; i <= kStopped + kVanished; ++i) {
    const std::string id = "tail:" + std::to_string(i);
    ASSERT_TRUE(waitFor([&] {
      return node.log().find("tail session " + id + " ended") != std::string::npos;
    })) << id
        << "\n"
        << node.log();
    EXPECT_FALSE(hasStats(node, id)) << id << " left statistics behind";
  }
  auto run = runCtl(node, "stats tail:1", /*withStderr=*/true);
  EXPECT_EQ(run.exitCode, 1) << run.out;
  EXPECT_NE(run.out.find("no statistics"), std::string::npos) << run.out;
  EXPECT_TRUE(node.allStats().empty());
}

}  // namespace
}  // namespace plexus::test
