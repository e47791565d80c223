// Command -> ControlRequest body, expected response body, and the timeout per command.

#include "plexus/ctl/requests.h"

#include <gtest/gtest.h>

#include "plexus/ctl/event_builder.h"

namespace plexus::ctl {
namespace {

using Req = v1::ControlRequest;
using Resp = v1::ControlResponse;

TEST(CtlRequests, BodiesMatchTheCommand) {
  EXPECT_EQ(buildRequest(StatusCommand{}).body_case(), Req::kStatus);
  EXPECT_EQ(buildRequest(ModulesCommand{}).body_case(), Req::kModules);
  EXPECT_EQ(buildRequest(UnloadCommand{"m"}).unload().module_id(), "m");
  EXPECT_EQ(buildRequest(ReloadCommand{"m"}).reload().module_id(), "m");
  EXPECT_EQ(expectedBody(StatusCommand{}), Resp::kStatus);
  EXPECT_EQ(expectedBody(StatsCommand{}), Resp::kStats);
  EXPECT_EQ(expectedBody(PublishCommand{}), Resp::kPublish);
  EXPECT_EQ(expectedBody(LoadCommand{}), Resp::kLoad);
  EXPECT_EQ(expectedBody(MaintenanceCommand{}), Resp::kMaintenance);
  EXPECT_EQ(expectedBody(TailCommand{}), Resp::kTailEvents);
}

TEST(CtlRequests, Stats) {
  auto request = buildRequest(StatsCommand{"logger", true});
  ASSERT_EQ(request.body_case(), Req::kStats);
  EXPECT_EQ(request.stats().module_id(), "logger");
  EXPECT_TRUE(request.stats().reset());
}

TEST(CtlRequests, SubscribersAndTail) {
  EXPECT_EQ(buildRequest(SubscribersCommand{v1::EVENT_TYPE_PEER_BANNED}).subscribers().type(),
            v1::EVENT_TYPE_PEER_BANNED);
  TailCommand tail;
  tail.types = {v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_HEALTH_CHECK};
  auto request = buildRequest(tail);
  ASSERT_EQ(request.body_case(), Req::kTail);
  ASSERT_EQ(request.tail().types_size(), 2);
  EXPECT_EQ(request.tail().types(1), v1::EVENT_TYPE_HEALTH_CHECK);
}

TEST(CtlRequests, PublishCarriesEventAndCount) {
  auto event = buildEvent(v1::EVENT_TYPE_NEW_BLOCK, R"({"height":5})");
  ASSERT_TRUE(event.ok());
  auto request = buildRequest(PublishCommand{*event, 3});
  ASSERT_EQ(request.body_case(), Req::kPublish);
  EXPECT_EQ(request.publish().count(), 3u);
  EXPECT_EQ(request.publish().event().new_block().height(), 5u);
}

TEST(CtlRequests, LoadAndMaintenance) {
  LoadCommand load;
  load.module.set_name("probe");
  load.module.set_exec("/bin/probe");
  auto request = buildRequest(load);
  EXPECT_EQ(request.load().module().name(), "probe");
  EXPECT_EQ(request.load().module().exec(), "/bin/probe");

  auto maintenance = buildRequest(
      MaintenanceCommand{v1::MAINTENANCE_OPERATION_CLEANUP, v1::URGENCY_HIGH, "why", 250});
  ASSERT_EQ(maintenance.body_case(), Req::kMaintenance);
  EXPECT_EQ(maintenance.maintenance().operation(), v1::MAINTENANCE_OPERATION_CLEANUP);
  EXPECT_EQ(maintenance.maintenance().urgency(), v1::URGENCY_HIGH);
  EXPECT_EQ(maintenance.maintenance().reason(), "why");
  EXPECT_EQ(maintenance.maintenance().timeout_ms(), 250u);
}

TEST(CtlRequests, Timeouts) {
  GlobalOptions defaults;
  EXPECT_EQ(requestTimeout(defaults, StatusCommand{}).count(), 5000);
  EXPECT_EQ(requestTimeout(defaults, PublishCommand{}).count(), 5000);
  EXPECT_EQ(requestTimeout(defaults, LoadCommand{}).count(), 30000);
  EXPECT_EQ(requestTimeout(defaults, UnloadCommand{}).count(), 30000);
  EXPECT_EQ(requestTimeout(defaults, ReloadCommand{}).count(), 30000);
  GlobalOptions explicitShort;
  explicitShort.timeout = std::chrono::milliseconds(1000);
  EXPECT_EQ(requestTimeout(explicitShort, LoadCommand{}).count(), 1000);  // given: honoured
  EXPECT_EQ(requestTimeout(explicitShort, StatusCommand{}).count(), 1000);
}

TEST(CtlRequests, Forget) {
  EXPECT_EQ(buildRequest(ForgetCommand{"m"}).forget().module_id(), "m");
  EXPECT_EQ(expectedBody(ForgetCommand{"m"}), Resp::kForget);
  EXPECT_EQ(requestTimeout(GlobalOptions{}, ForgetCommand{}).count(), 5000);  // answered at once
}

TEST(CtlRequests, Journal) {
  auto request = buildRequest(JournalCommand{});
  EXPECT_EQ(request.body_case(), Req::kJournal);
  EXPECT_EQ(request.journal().ByteSizeLong(), 0u);  // JournalRequest is empty
  EXPECT_EQ(expectedBody(JournalCommand{}), Resp::kJournal);
  EXPECT_EQ(requestTimeout(GlobalOptions{}, JournalCommand{}).count(), 5000);
}

TEST(CtlRequests, Cursors) {
  auto list = buildRequest(CursorsCommand{});
  EXPECT_EQ(list.body_case(), Req::kCursors);
  EXPECT_EQ(list.cursors().delete_module(), "");
  auto remove = buildRequest(CursorsCommand{"d"});
  EXPECT_EQ(remove.body_case(), Req::kCursors);
  EXPECT_EQ(remove.cursors().delete_module(), "d");
  EXPECT_EQ(expectedBody(CursorsCommand{}), Resp::kCursors);
  EXPECT_EQ(requestTimeout(GlobalOptions{}, CursorsCommand{"d"}).count(), 5000);  // at once
}

}  // namespace
}  // namespace plexus::ctl
