#pragma once

// TailSessions: `plexusctl tail`. Each session is an EventManager tap with its own bounded
// channel and the drop policy, so a slow terminal never slows the node; its batches go to the
// operator's control connection as ControlResponse{tail_events}, and credit comes back as
// TailAck. A session ends with TailStop, a new TailRequest from the same connection, or when the
// connection is gone (found by a send: an event, or the periodic probe).
// Thread rule: loop thread only.

#include <plexus/v1/control.pb.h>

#include <cstdint>
#include <string>
#include <unordered_map>

#include "control/control_server.h"
#include "delivery/event_manager.h"
#include "delivery/event_sink.h"

namespace plexus::host {

class TailSessions final : public EventSink {
 public:
  TailSessions(EventManager& events, ControlServer& control, std::uint32_t capacity = 1000);

  // TailRequest, TailAck, TailStop; false for any other request.
  bool handle(const std::string& clientId, const v1::ControlRequest& request);
  // The batches of a tap: sent to its client.
  SendStatus sendEvents(const std::string& tapId, v1::Lane lane,
                        std::span<const ipc::OutgoingEvent> events) override;

  // Sends every client an empty batch (clients print nothing for it): the ROUTER refuses it for a
  // client that vanished without TailStop (a killed plexusctl), and that session ends, even when
  // no event would reach it for a long time. The node calls it on a timer.
  void probe();

  static bool isTap(const std::string& subscriberId);
  // The client is gone or stopped. By value: callers pass ids that live in the maps it erases.
  void end(std::string tapId);

 private:
  EventManager& m_events;
  ControlServer& m_control;
  std::uint32_t m_capacity;
  std::unordered_map<std::string, std::string> m_tapByClient;
  std::unordered_map<std::string, std::string> m_clientByTap;
  std::uint64_t m_next = 1;
};

}  // namespace plexus::host
