// StatusQueries with a fake ModuleDirectory, a real EventManager and a recording replier:
// status, modules, stats (one, all, reset, unknown) and subscribers (stopping ones marked), each
// answered at once with the request's correlation id and its body set even when empty.

#include "control/status_queries.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "delivery/event_factory.h"
#include "fakes/fake_module_directory.h"
#include "fakes/fake_replier.h"
#include "fakes/recording_sink.h"
#include "plexus/ipc/protocol.h"
#include "plexus/version.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

class StatusQueriesTest : public ::testing::Test {
 protected:
  v1::ControlResponse ask(v1::ControlRequest request) {
    request.set_correlation_id(++m_correlation);
    queries.handle("op", request);
    EXPECT_EQ(replier.sent.size(), m_correlation) << "one answer per request, at once";
    EXPECT_EQ(replier.last().correlation_id(), m_correlation);
    return replier.last();
  }
  void attach(const std::string& id) {
    ModuleAttachment module;
    module.moduleId = id;
    module.capacity = 4;
    events.attach(module);
  }
  void publishBlock() {
    v1::Event event = hostEvent(v1::EVENT_TYPE_NEW_BLOCK);
    event.mutable_new_block()->set_height(1);
    events.publish(event.type(), serializeEvent(event));
  }

  fakes::RecordingSink sink;
  EventManager events{sink, EventManager::Options()};
  fakes::FakeModuleDirectory modules;
  fakes::FakeReplier replier;
  const std::chrono::steady_clock::time_point startedAt = std::chrono::steady_clock::now() - 3s;
  std::uint64_t relayedDuplicates = 0;
  StatusQueries queries{replier, events, modules, {startedAt, "/run/plexus-test", [this] {
                                                     return relayedDuplicates;
                                                   }}};

 private:
  std::uint64_t m_correlation = 0;
};

TEST_F(StatusQueriesTest, ServesTheFourQueries) {
  EXPECT_EQ(queries.bodies(), (std::vector<v1::ControlRequest::BodyCase>{
                                  v1::ControlRequest::kStatus, v1::ControlRequest::kModules,
                                  v1::ControlRequest::kStats, v1::ControlRequest::kSubscribers}));
}

TEST_F(StatusQueriesTest, StatusReportsVersionUptimeModulesAndTotals) {
  modules.add("a", v1::MODULE_STATE_READY);
  modules.add("b", v1::MODULE_STATE_READY);
  modules.add("c", v1::MODULE_STATE_FAILED);
  modules.add("d", v1::MODULE_STATE_STARTING);
  attach("a");
  (void)events.subscribe("a", std::vector{v1::EVENT_TYPE_NEW_BLOCK});
  publishBlock();
  publishBlock();

  v1::ControlRequest request;
  request.mutable_status();
  const auto status = ask(request).status();
  EXPECT_EQ(status.version(), kPlexusVersion);
  EXPECT_EQ(status.protocol_version(), ipc::protocolVersionString());
  EXPECT_GE(status.uptime_ms(), 3000u);
  EXPECT_EQ(status.pid(), ::getpid());
  EXPECT_EQ(status.runtime_dir(), "/run/plexus-test");
  EXPECT_EQ(status.modules_total(), 4u);
  EXPECT_EQ(status.modules_ready(), 2u);
  EXPECT_EQ(status.modules_failed(), 1u);
  EXPECT_EQ(status.events_published(), events.eventsPublished());
  EXPECT_GE(status.events_published(), 2u);
  EXPECT_EQ(status.relayed_duplicates(), 0u);
  relayedDuplicates = 5;
  EXPECT_EQ(ask(request).status().relayed_duplicates(), 5u) << "read at each status";
}

TEST_F(StatusQueriesTest, ModulesListsEveryModuleAndSetsTheBodyWhenThereIsNone) {
  v1::ControlRequest request;
  request.mutable_modules();
  v1::ControlResponse empty = ask(request);
  EXPECT_TRUE(empty.has_modules());
  EXPECT_EQ(empty.modules().modules_size(), 0);

  modules.add("a", v1::MODULE_STATE_READY).set_pid(42);
  modules.add("b", v1::MODULE_STATE_STOPPED);
  const auto listed = ask(request).modules();
  ASSERT_EQ(listed.modules_size(), 2);
  EXPECT_EQ(listed.modules(0).module_id(), "a");
  EXPECT_EQ(listed.modules(0).pid(), 42);
  EXPECT_EQ(listed.modules(1).state(), v1::MODULE_STATE_STOPPED);
}

TEST_F(StatusQueriesTest, StatsOfOneModuleOfAllAndAReset) {
  attach("a");
  attach("b");
  (void)events.subscribe("a", std::vector{v1::EVENT_TYPE_NEW_BLOCK});
  publishBlock();
  events.countDecodeError("a");

  v1::ControlRequest one;
  one.mutable_stats()->set_module_id("a");
  auto response = ask(one);
  ASSERT_EQ(response.stats().modules_size(), 1);
  EXPECT_EQ(response.stats().modules(0).module_id(), "a");
  EXPECT_EQ(response.stats().modules(0).routed(), 1u);
  EXPECT_EQ(response.stats().modules(0).decode_errors(), 1u);

  v1::ControlRequest all;
  all.mutable_stats();
  EXPECT_EQ(ask(all).stats().modules_size(), 2);

  one.mutable_stats()->set_reset(true);
  response = ask(one);
  ASSERT_EQ(response.stats().modules_size(), 1);
  EXPECT_EQ(response.stats().modules(0).decode_errors(), 0u) << "answered after the reset";
  EXPECT_EQ(events.stats("a")->decode_errors(), 0u);
}

TEST_F(StatusQueriesTest, StatsOfAnUnknownModuleIsNotFoundWithOrWithoutReset) {
  for (bool reset : {false, true}) {
    v1::ControlRequest request;
    request.mutable_stats()->set_module_id("ghost");
    request.mutable_stats()->set_reset(reset);
    const auto response = ask(request);
    ASSERT_TRUE(response.has_error()) << response.DebugString();
    EXPECT_EQ(response.error().code(), v1::ERROR_CODE_NOT_FOUND);
    EXPECT_EQ(response.error().message(), "no statistics for module 'ghost'");
    EXPECT_EQ(response.error().correlation_id(), response.correlation_id());
  }
}

TEST_F(StatusQueriesTest, SubscribersOfATypeAndAnInvalidType) {
  attach("a");
  attach("b");
  (void)events.subscribe("b", std::vector{v1::EVENT_TYPE_NEW_BLOCK});
  v1::ControlRequest request;
  request.mutable_subscribers()->set_type(v1::EVENT_TYPE_NEW_BLOCK);
  auto response = ask(request);
  EXPECT_EQ(response.subscribers().type(), v1::EVENT_TYPE_NEW_BLOCK);
  ASSERT_EQ(response.subscribers().module_ids_size(), 1);
  EXPECT_EQ(response.subscribers().module_ids(0), "b");

  request.mutable_subscribers()->set_type(v1::EVENT_TYPE_CHAIN_REORG);
  response = ask(request);
  EXPECT_TRUE(response.has_subscribers()) << "the body is set with no subscriber";
  EXPECT_EQ(response.subscribers().module_ids_size(), 0);

  request.mutable_subscribers()->set_type(static_cast<v1::EventType>(9999));
  response = ask(request);
  ASSERT_TRUE(response.has_error());
  EXPECT_EQ(response.error().code(), v1::ERROR_CODE_INVALID_ARGUMENT);
}

TEST_F(StatusQueriesTest, SubscribersMarkThoseThatAreStopping) {
  attach("a");
  attach("b");
  (void)events.subscribe("a", std::vector{v1::EVENT_TYPE_NEW_BLOCK});
  (void)events.subscribe("b", std::vector{v1::EVENT_TYPE_NEW_BLOCK});
  events.beginStopping("b");
  v1::ControlRequest request;
  request.mutable_subscribers()->set_type(v1::EVENT_TYPE_NEW_BLOCK);
  auto response = ask(request);
  ASSERT_EQ(response.subscribers().module_ids_size(), 2) << "subscribed until it exited";
  ASSERT_EQ(response.subscribers().stopping_module_ids_size(), 1);
  EXPECT_EQ(response.subscribers().stopping_module_ids(0), "b");

  events.detach("b");
  response = ask(request);
  ASSERT_EQ(response.subscribers().module_ids_size(), 1);
  EXPECT_EQ(response.subscribers().stopping_module_ids_size(), 0);
}

}  // namespace
}  // namespace plexus::host
