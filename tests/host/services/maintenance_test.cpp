// Maintenance on fake timers and a real EventManager: each round is bracketed (Started,
// DataMaintenance, Completed); it completes once every module that accepted it acked it, or
// fails at its timeout; defaults (low urgency, 30 s) apply to what the caller left unspecified;
// schedules run on their interval.

#include "services/maintenance.h"

#include <gtest/gtest.h>

#include <map>

#include "runtime/fake_timers.h"
#include "supervision/recorded_events.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

class MaintenanceTest : public ::testing::Test {
 protected:
  // A module that takes DataMaintenance events (and holds them until it acks).
  void attachWorker(const std::string& id) {
    ModuleAttachment worker;
    worker.moduleId = id;
    worker.capacity = 10;
    events.manager().attach(worker);
    const v1::EventType types[] = {v1::EVENT_TYPE_DATA_MAINTENANCE};
    ASSERT_TRUE(events.manager().subscribe(id, types).ok());
    events.takeFor(id);
  }
  // The DataMaintenance events `id` received since the last call; they stay unacked.
  std::vector<v1::DataMaintenance> work(const std::string& id) {
    std::vector<v1::DataMaintenance> out;
    for (const auto& delivery : events.takeFor(id)) {
      m_lastSeq[id] = delivery.seq;
      if (delivery.event.has_data_maintenance()) out.push_back(delivery.event.data_maintenance());
    }
    return out;
  }
  // Acks everything `id` received so far.
  void ack(const std::string& id) {
    work(id);
    ASSERT_TRUE(events.manager().ack(id, m_lastSeq[id]).ok());
  }

  FakeTimers timers;
  // The tap sees the brackets only: a subscriber of DataMaintenance is waited for.
  RecordedEvents events{timers,
                        {v1::EVENT_TYPE_MAINTENANCE_STARTED, v1::EVENT_TYPE_MAINTENANCE_COMPLETED}};

 private:
  std::map<std::string, std::uint64_t> m_lastSeq;
};

TEST_F(MaintenanceTest, ARoundNobodyTakesCompletesAtOnce) {
  Maintenance maintenance(timers, events.manager(), {});
  const auto id = maintenance.run(v1::MAINTENANCE_OPERATION_FLUSH, v1::URGENCY_HIGH, "backup", 0);
  EXPECT_EQ(maintenance.active(), 0u);
  auto published = events.take();
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[0].maintenance_started().maintenance_id(), id);
  EXPECT_EQ(published[0].maintenance_started().operation(), v1::MAINTENANCE_OPERATION_FLUSH);
  const auto& completed = published[1].maintenance_completed();
  EXPECT_EQ(completed.maintenance_id(), id);
  EXPECT_EQ(completed.operation(), v1::MAINTENANCE_OPERATION_FLUSH);
  EXPECT_TRUE(completed.success());
  EXPECT_EQ(completed.duration_ms(), 0u);
  EXPECT_EQ(timers.pendingTimers(), 0u);
}

TEST_F(MaintenanceTest, ARoundCompletesOnceEveryModuleThatTookItHandledIt) {
  attachWorker("a");
  attachWorker("b");
  Maintenance maintenance(timers, events.manager(), {});
  const auto id =
      maintenance.run(v1::MAINTENANCE_OPERATION_CLEANUP, v1::URGENCY_HIGH, "tidy", 5000);
  auto taken = work("a");
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].maintenance_id(), id);
  EXPECT_EQ(taken[0].operation(), v1::MAINTENANCE_OPERATION_CLEANUP);
  EXPECT_EQ(taken[0].urgency(), v1::URGENCY_HIGH);
  EXPECT_EQ(taken[0].reason(), "tidy");
  EXPECT_EQ(taken[0].timeout_ms(), 5000u);
  EXPECT_EQ(maintenance.active(), 1u);
  EXPECT_EQ(events.take().size(), 1u);  // started

  timers.advance(250ms);
  ack("a");
  maintenance.poll();
  EXPECT_EQ(maintenance.active(), 1u);
  ack("b");
  maintenance.poll();
  EXPECT_EQ(maintenance.active(), 0u);
  auto published = events.take();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].maintenance_completed().maintenance_id(), id);
  EXPECT_TRUE(published[0].maintenance_completed().success());
  EXPECT_EQ(published[0].maintenance_completed().duration_ms(), 250u);
  EXPECT_EQ(timers.pendingTimers(), 0u);  // the timeout went with it
}

TEST_F(MaintenanceTest, ARoundNotHandledInTimeFails) {
  attachWorker("lazy");
  Maintenance maintenance(timers, events.manager(), {});
  maintenance.run(v1::MAINTENANCE_OPERATION_FLUSH, v1::URGENCY_LOW, "r", 500);
  events.take();
  timers.advance(499ms);
  EXPECT_EQ(maintenance.active(), 1u);
  timers.advance(1ms);
  EXPECT_EQ(maintenance.active(), 0u);
  auto published = events.take();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_FALSE(published[0].maintenance_completed().success());
  EXPECT_EQ(published[0].maintenance_completed().duration_ms(), 500u);
  ack("lazy");
  maintenance.poll();
  EXPECT_TRUE(events.take().empty());  // completed once
}

TEST_F(MaintenanceTest, DefaultsFillWhatTheCallerLeftUnspecified) {
  attachWorker("w");
  Maintenance maintenance(timers, events.manager(), {});
  const auto first =
      maintenance.run(v1::MAINTENANCE_OPERATION_FLUSH, v1::URGENCY_UNSPECIFIED, "r", 0);
  const auto second = maintenance.run(v1::MAINTENANCE_OPERATION_FLUSH, v1::URGENCY_LOW, "r", 0);
  EXPECT_EQ(second, first + 1);
  auto taken = work("w");
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].urgency(), v1::URGENCY_LOW);
  EXPECT_EQ(taken[0].timeout_ms(), 30000u);
  timers.advance(30s);
  EXPECT_EQ(maintenance.active(), 0u);
}

TEST_F(MaintenanceTest, SchedulesRunOnTheirInterval) {
  v1::MaintenanceSchedule cleanup;
  cleanup.set_operation(v1::MAINTENANCE_OPERATION_CLEANUP);
  cleanup.set_interval_ms(1000);
  cleanup.set_timeout_ms(100);
  v1::MaintenanceSchedule off;
  off.set_operation(v1::MAINTENANCE_OPERATION_FLUSH);
  v1::MaintenanceSchedule flush;
  flush.set_operation(v1::MAINTENANCE_OPERATION_FLUSH);
  flush.set_urgency(v1::URGENCY_HIGH);
  flush.set_interval_ms(1500);
  flush.set_reason("hourly");
  attachWorker("w");
  Maintenance maintenance(timers, events.manager(), {cleanup, off, flush});
  maintenance.startSchedules();
  timers.advance(999ms);
  EXPECT_TRUE(work("w").empty());

  timers.advance(2001ms);  // cleanup at 1000, 2000, 3000; flush at 1500, 3000
  auto rounds = work("w");
  ASSERT_EQ(rounds.size(), 5u);
  EXPECT_EQ(rounds[0].operation(), v1::MAINTENANCE_OPERATION_CLEANUP);
  EXPECT_EQ(rounds[0].urgency(), v1::URGENCY_LOW);
  EXPECT_EQ(rounds[0].reason(), "scheduled");
  EXPECT_EQ(rounds[0].timeout_ms(), 100u);
  EXPECT_EQ(rounds[1].operation(), v1::MAINTENANCE_OPERATION_FLUSH);
  EXPECT_EQ(rounds[1].urgency(), v1::URGENCY_HIGH);
  EXPECT_EQ(rounds[1].reason(), "hourly");
  EXPECT_EQ(rounds[2].operation(), v1::MAINTENANCE_OPERATION_CLEANUP);
}

}  // namespace
}  // namespace plexus::host
