#include "delivery/blocked_publishes.h"

#include <cassert>

#include "delivery/module_slot.h"

namespace plexus::host {

BlockedPublishes::Id BlockedPublishes::open(PublishWaiter& waiter, std::uint64_t token,
                                            SteadyClock::time_point deadline) {
  PLEXUS_ASSERT_THREAD(m_thread);
  Id id;
  if (!m_free.empty()) {
    id = m_free.back();
    m_free.pop_back();
  } else {
    id = static_cast<Id>(m_publishes.size());
    m_publishes.push_back(std::make_unique<Publish>());
  }
  Publish& publish = *m_publishes[id];
  publish.waiter = &waiter;
  publish.token = token;
  publish.deadline = deadline;
  publish.waitingOn = 0;
  publish.active = true;
  publish.report = {};
  publish.waits.clear();
  m_deadlines.emplace_back(id, publish.generation);
  return id;
}

void BlockedPublishes::failed(Id id, const std::string& moduleId, MissReason reason) {
  PLEXUS_ASSERT_THREAD(m_thread);
  Publish& publish = *m_publishes[id];
  ++publish.report.failed;
  publish.report.missed.push_back({moduleId, reason});
  if (--publish.waitingOn == 0) resolve(id);
}

// Frees the id, then tells the waiter (the last thing it does: the waiter may publish again).
void BlockedPublishes::resolve(Id id) {
  Publish& publish = *m_publishes[id];
  assert(publish.active && publish.waitingOn == 0);
  publish.active = false;
  ++publish.generation;
  publish.waits.clear();
  m_free.push_back(id);
  PublishWaiter* waiter = publish.waiter;
  const std::uint64_t token = publish.token;
  const PublishReport report = std::move(publish.report);
  waiter->onPublishDone(token, report);
}

void BlockedPublishes::expire(SteadyClock::time_point now,
                              const std::function<bool(const Wait&)>& timeOut) {
  PLEXUS_ASSERT_THREAD(m_thread);
  while (!m_deadlines.empty()) {
    const auto [id, generation] = m_deadlines.front();
    Publish& publish = *m_publishes[id];
    if (!publish.active || publish.generation != generation) {
      m_deadlines.pop_front();  // resolved before its deadline
      continue;
    }
    if (publish.deadline > now) break;
    m_deadlines.pop_front();
    for (const Wait& wait : publish.waits) {
      if (!timeOut(wait)) continue;  // already admitted or failed
      ++publish.report.timedOut;
      publish.report.missed.push_back({wait.slot->id, MissReason::TimedOut});
      --publish.waitingOn;
    }
    assert(publish.waitingOn == 0);
    publish.waitingOn = 0;
    resolve(id);
  }
}

std::optional<SteadyClock::time_point> BlockedPublishes::nextDeadline() const {
  PLEXUS_ASSERT_THREAD(m_thread);
  for (const auto& [id, generation] : m_deadlines) {
    const Publish& publish = *m_publishes[id];
    if (publish.active && publish.generation == generation) return publish.deadline;
  }
  return std::nullopt;
}

}  // namespace plexus::host
