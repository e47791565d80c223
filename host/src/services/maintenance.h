#pragma once

// Maintenance: DataMaintenance rounds, on demand (`plexusctl maintenance`) and on the configured
// schedules. Subscribers see each round bracketed, in order on one lane (the critical lane for
// urgency high, else the event lane):
//   MaintenanceStarted{id} -> DataMaintenance{id, operation, urgency, reason, timeout}
//   -> MaintenanceCompleted{id, success, duration}
// A round completes when every module that accepted its DataMaintenance handled (acked) it, or
// when its timeout passes (success = false). The node publishes from its loop: a full module
// does not make it wait (the event counts as channel_full for that module).
// Unspecified urgency means low; a timeout of 0 means 30 s.
// Thread rule: loop thread only.

#include <plexus/v1/config.pb.h>
#include <plexus/v1/events.pb.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "delivery/event_manager.h"
#include "plexus/ipc/thread_checker.h"
#include "runtime/timers.h"

namespace plexus::host {

class Maintenance {
 public:
  Maintenance(Timers& timers, EventManager& events, std::vector<v1::MaintenanceSchedule> schedules);

  void startSchedules();
  // Starts a round; returns its id.
  std::uint64_t run(v1::MaintenanceOperation operation, v1::Urgency urgency,
                    const std::string& reason, std::uint64_t timeoutMs);
  // Completes rounds whose modules all handled them (called after every loop iteration).
  void poll();
  std::size_t active() const {
    PLEXUS_ASSERT_THREAD(m_thread);
    return m_rounds.size();
  }

 private:
  struct Round {
    v1::MaintenanceOperation operation;
    Timers::Clock::time_point started;
    std::vector<Acceptance> waitingFor;
    Timers::TimerId timeout = 0;
    bool critical = false;  // urgency high: its three events on the critical lane
  };
  void complete(std::uint64_t id, bool success);
  void schedule(std::size_t index);

  Timers& m_timers;
  EventManager& m_events;
  std::vector<v1::MaintenanceSchedule> m_schedules;
  std::map<std::uint64_t, Round> m_rounds;
  std::uint64_t m_nextId = 1;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
