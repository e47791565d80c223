// ModuleReader over a fake transport: every waiting message reaches the handler in order, with
// its routing id and User-Id, at most the fairness limit per call (true: come back), and a
// call with nothing waiting does nothing.

#include "module_link/module_reader.h"

#include <gtest/gtest.h>

#include "fake_module_transport.h"

namespace plexus::host::module_link_test {
namespace {

TEST(ModuleReaderTest, HandsEveryWaitingMessageToTheHandlerInOrder) {
  FakeTransport transport;
  std::vector<std::string> seen;
  ModuleReader reader(transport, [&](ReceivedMessage& m) {
    seen.push_back(m.routingId + "|" + m.userId + "|" + std::to_string(m.frames.size()) + "|" +
                   m.frames.front().to_string());
  });
  transport.arrive("a", "a", {"one"});
  transport.arrive("b", "", {"two", "extra"});
  EXPECT_FALSE(reader.serveReady()) << "everything was served";
  EXPECT_EQ(seen, (std::vector<std::string>{"a|a|1|one", "b||2|two"}));
  EXPECT_EQ(transport.receiveCalls, 3u) << "read until nothing was waiting";

  EXPECT_FALSE(reader.serveReady());
  EXPECT_EQ(seen.size(), 2u);
}

TEST(ModuleReaderTest, StopsAtTheFairnessLimitAndContinuesOnTheNextCall) {
  FakeTransport transport;
  int handled = 0;
  ModuleReader reader(
      transport, [&](ReceivedMessage&) { ++handled; }, 3);
  for (int i = 0; i < 7; ++i)
    transport.arrive("a", "a", {std::to_string(i)});
  EXPECT_TRUE(reader.serveReady());
  EXPECT_EQ(handled, 3);
  EXPECT_EQ(transport.receiveCalls, 3u) << "no receive beyond the limit";
  EXPECT_TRUE(reader.serveReady());
  EXPECT_EQ(handled, 6);
  EXPECT_FALSE(reader.serveReady());
  EXPECT_EQ(handled, 7);
  EXPECT_EQ(transport.waiting(), 0u);
}

TEST(ModuleReaderTest, TheNodesLimitIs1024) {
  FakeTransport transport;
  int handled = 0;
  ModuleReader reader(transport, [&](ReceivedMessage&) { ++handled; });
  for (int i = 0; i < 1025; ++i)
    transport.arrive("a", "a", {"x"});
  EXPECT_TRUE(reader.serveReady());
  EXPECT_EQ(handled, 1024);
  EXPECT_FALSE(reader.serveReady());
  EXPECT_EQ(handled, 1025);
}

}  // namespace
}  // namespace plexus::host::module_link_test
