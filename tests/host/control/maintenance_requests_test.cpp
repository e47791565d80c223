// MaintenanceRequests with a real Maintenance, loop and EventManager: a request without an
// operation is refused; a valid one starts a round, is answered with its id at once, and the
// round's DataMaintenance carries the operator's fields (urgency LOW and "requested by
// operator" when not given).

#include "control/maintenance_requests.h"

#include <gtest/gtest.h>

#include "fakes/fake_replier.h"
#include "fakes/recording_sink.h"
#include "runtime/event_loop.h"

namespace plexus::host {
namespace {

class MaintenanceRequestsTest : public ::testing::Test {
 protected:
  MaintenanceRequestsTest() {
    ModuleAttachment module;
    module.moduleId = "store";
    events.attach(module);
    (void)events.subscribe("store", std::vector{v1::EVENT_TYPE_DATA_MAINTENANCE});
  }

  v1::DataMaintenance lastDataMaintenance() {
    events.flush();
    auto delivered = sink.events("store");
    EXPECT_FALSE(delivered.empty());
    return delivered.empty() ? v1::DataMaintenance() : delivered.back().data_maintenance();
  }

  fakes::RecordingSink sink;
  EventManager events{sink, EventManager::Options()};
  EventLoop loop;
  Maintenance maintenance{loop, events, {}};
  fakes::FakeReplier replier;
  MaintenanceRequests requests{replier, maintenance};
};

TEST_F(MaintenanceRequestsTest, WithoutAnOperationItIsAnInvalidArgument) {
  v1::ControlRequest request;
  request.set_correlation_id(3);
  request.mutable_maintenance();
  requests.handle("op", request);
  ASSERT_EQ(replier.sent.size(), 1u);
  ASSERT_TRUE(replier.last().has_error());
  EXPECT_EQ(replier.last().error().code(), v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(replier.last().error().correlation_id(), 3u);
  EXPECT_EQ(maintenance.active(), 0u);
}

TEST_F(MaintenanceRequestsTest, ARoundStartsAndIsAnsweredWithItsIdAtOnce) {
  v1::ControlRequest request;
  request.set_correlation_id(4);
  auto* m = request.mutable_maintenance();
  m->set_operation(v1::MAINTENANCE_OPERATION_CLEANUP);
  m->set_urgency(v1::URGENCY_HIGH);
  m->set_reason("before backup");
  m->set_timeout_ms(1234);
  requests.handle("op", request);
  ASSERT_EQ(replier.sent.size(), 1u);
  EXPECT_EQ(replier.last().correlation_id(), 4u);
  ASSERT_TRUE(replier.last().has_maintenance()) << replier.last().DebugString();
  EXPECT_EQ(replier.last().maintenance().maintenance_id(), 1u);
  EXPECT_EQ(maintenance.active(), 1u);

  const auto data = lastDataMaintenance();
  EXPECT_EQ(data.maintenance_id(), 1u);
  EXPECT_EQ(data.operation(), v1::MAINTENANCE_OPERATION_CLEANUP);
  EXPECT_EQ(data.urgency(), v1::URGENCY_HIGH);
  EXPECT_EQ(data.reason(), "before backup");
  EXPECT_EQ(data.timeout_ms(), 1234u);

  requests.handle("op", request);
  EXPECT_EQ(replier.last().maintenance().maintenance_id(), 2u) << "each round its own id";
}

TEST_F(MaintenanceRequestsTest, ATimeoutOutOfRangeIsRefusedBeforeAnyRound) {
  v1::ControlRequest request;
  request.set_correlation_id(5);
  auto* m = request.mutable_maintenance();
  m->set_operation(v1::MAINTENANCE_OPERATION_FLUSH);
  m->set_timeout_ms(18446744073709551615ULL);  // a deadline this far would overflow
  requests.handle("op", request);
  ASSERT_TRUE(replier.last().has_error());
  EXPECT_EQ(replier.last().error().code(), v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_NE(replier.last().error().message().find("timeout_ms: 18446744073709551615 is out of "
                                                  "range"),
            std::string::npos)
      << replier.last().error().message();
  EXPECT_EQ(maintenance.active(), 0u);
}

TEST_F(MaintenanceRequestsTest, UrgencyAndReasonDefaultWhenNotGiven) {
  v1::ControlRequest request;
  request.mutable_maintenance()->set_operation(v1::MAINTENANCE_OPERATION_FLUSH);
  requests.handle("op", request);
  const auto data = lastDataMaintenance();
  EXPECT_EQ(data.urgency(), v1::URGENCY_LOW);
  EXPECT_EQ(data.reason(), "requested by operator");
}

}  // namespace
}  // namespace plexus::host
