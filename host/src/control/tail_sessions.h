#pragma once

// TailSessions: `plexusctl tail`. Each session is an EventManager tap with its own bounded
// channel and the drop policy, so a slow terminal never slows the node; its batches go to the
// operator's control connection as ControlResponse{tail_events}, and credit comes back as
// TailAck. A session ends with TailStop, a new TailRequest from the same connection, or when the
// connection is gone: found by a send, an event's or the probe's (every probe interval, an empty
// batch to every client), so a killed plexusctl does not leave its session behind even when no
// event would reach it for a long time.
// Thread rule: loop thread only.

#include <plexus/v1/control.pb.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "control/control_handler.h"
#include "delivery/event_manager.h"
#include "delivery/event_sink.h"
#include "plexus/ipc/thread_checker.h"
#include "runtime/event_loop.h"

namespace plexus::host {

class TailSessions final : public ControlHandler, public EventSink {
 public:
  static constexpr std::uint32_t kCapacity = 1000;  // events a session's channel holds

  TailSessions(EventLoop& loop, EventManager& events, ControlReplier& replier,
               std::chrono::milliseconds probeInterval, std::uint32_t capacity = kCapacity);
  ~TailSessions() override;

  // Starts the probe timer.
  void start();

  // TailRequest, TailAck, TailStop.
  std::vector<v1::ControlRequest::BodyCase> bodies() const override;
  void handle(const std::string& clientId, const v1::ControlRequest& request) override;
  // The batches of a tap: sent to its client.
  SendStatus sendEvents(const std::string& tapId, v1::Lane lane,
                        std::span<const ipc::OutgoingEvent> events) override;

  // Sends every client an empty batch (clients print nothing for it): the ROUTER refuses it for
  // a client that vanished without TailStop, and that session ends.
  void probe();

  static bool isTap(const std::string& subscriberId);
  // The client is gone or stopped. By value: callers pass ids that live in the maps it erases.
  void end(std::string tapId);

 private:
  void startSession(const std::string& clientId, const v1::ControlRequest& request);
  void scheduleProbe();

  EventLoop& m_loop;
  EventManager& m_events;
  ControlReplier& m_replier;
  std::chrono::milliseconds m_probeInterval;
  std::uint32_t m_capacity;
  std::unordered_map<std::string, std::string> m_tapByClient;
  std::unordered_map<std::string, std::string> m_clientByTap;
  std::uint64_t m_next = 1;
  std::optional<EventLoop::TimerId> m_probeTimer;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
