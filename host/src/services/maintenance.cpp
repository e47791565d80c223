#include "services/maintenance.h"

#include <algorithm>

#include "config/config.h"
#include "delivery/event_factory.h"
#include "runtime/logging.h"

namespace plexus::host {

namespace {
constexpr std::uint64_t kDefaultTimeoutMs = 30000;
}

Maintenance::Maintenance(Timers& timers, EventManager& events,
                         std::vector<v1::MaintenanceSchedule> schedules)
    : m_timers(timers), m_events(events), m_schedules(std::move(schedules)) {}

void Maintenance::startSchedules() {
  PLEXUS_ASSERT_THREAD(m_thread);
  for (std::size_t i = 0; i < m_schedules.size(); ++i) {
    if (m_schedules[i].interval_ms() > 0) schedule(i);
  }
}

void Maintenance::schedule(std::size_t index) {
  m_timers.runAfter(ms(m_schedules[index].interval_ms()), [this, index] {
    const auto& s = m_schedules[index];
    run(s.operation(), s.urgency(), s.reason().empty() ? "scheduled" : s.reason(), s.timeout_ms());
    schedule(index);
  });
}

std::uint64_t Maintenance::run(v1::MaintenanceOperation operation, v1::Urgency urgency,
                               const std::string& reason, std::uint64_t timeoutMs) {
  PLEXUS_ASSERT_THREAD(m_thread);
  const std::uint64_t id = m_nextId++;
  if (urgency == v1::URGENCY_UNSPECIFIED) urgency = v1::URGENCY_LOW;
  if (timeoutMs == 0) timeoutMs = kDefaultTimeoutMs;
  // Urgent: the whole bracket travels on the critical lane, so it keeps its order.
  PublishOptions lane;
  lane.critical = urgency == v1::URGENCY_HIGH;
  v1::Event started = hostEvent(v1::EVENT_TYPE_MAINTENANCE_STARTED);
  started.mutable_maintenance_started()->set_maintenance_id(id);
  started.mutable_maintenance_started()->set_operation(operation);
  m_events.publish(started.type(), serializeEvent(started), lane);

  v1::Event work = hostEvent(v1::EVENT_TYPE_DATA_MAINTENANCE);
  auto* data = work.mutable_data_maintenance();
  data->set_operation(operation);
  data->set_urgency(urgency);
  data->set_reason(reason);
  data->set_timeout_ms(timeoutMs);
  data->set_maintenance_id(id);
  Round round;
  round.operation = operation;
  round.critical = lane.critical;
  round.started = m_timers.now();
  auto report = m_events.publish(work.type(), serializeEvent(work), lane, &round.waitingFor);
  logger("node")->info("maintenance #{} ({}, urgency {}, reason '{}'): {} module(s) to wait for",
                       id, v1::MaintenanceOperation_Name(operation), v1::Urgency_Name(urgency),
                       reason, round.waitingFor.size());
  if (report && report->dropped > 0) {
    logger("node")->warn("maintenance #{}: {} module(s) had no room for it", id, report->dropped);
  }
  round.timeout = m_timers.runAfter(ms(timeoutMs), [this, id] {
    auto it = m_rounds.find(id);
    if (it == m_rounds.end()) return;
    it->second.timeout = 0;
    complete(id, false);
  });
  m_rounds.emplace(id, std::move(round));
  poll();  // nobody to wait for: done at once
  return id;
}

void Maintenance::poll() {
  PLEXUS_ASSERT_THREAD(m_thread);
  for (auto it = m_rounds.begin(); it != m_rounds.end();) {
    auto& waiting = it->second.waitingFor;
    std::erase_if(waiting, [&](const Acceptance& a) { return m_events.handled(a); });
    auto next = std::next(it);
    if (waiting.empty()) complete(it->first, true);
    it = next;
  }
}

void Maintenance::complete(std::uint64_t id, bool success) {
  auto it = m_rounds.find(id);
  if (it == m_rounds.end()) return;
  Round round = std::move(it->second);
  m_rounds.erase(it);
  if (round.timeout != 0) m_timers.cancel(round.timeout);
  const auto duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(m_timers.now() - round.started);
  v1::Event done = hostEvent(v1::EVENT_TYPE_MAINTENANCE_COMPLETED);
  auto* completed = done.mutable_maintenance_completed();
  completed->set_maintenance_id(id);
  completed->set_operation(round.operation);
  completed->set_success(success);
  completed->set_duration_ms(static_cast<std::uint64_t>(duration.count()));
  PublishOptions doneLane;
  doneLane.critical = round.critical;
  m_events.publish(done.type(), serializeEvent(done), doneLane);
  if (success) {
    logger("node")->info("maintenance #{} completed in {} ms", id, duration.count());
  } else {
    logger("node")->warn("maintenance #{} timed out after {} ms: {} module(s) had not finished", id,
                         duration.count(), round.waitingFor.size());
  }
}

}  // namespace plexus::host
