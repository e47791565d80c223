#pragma once

// EventSink: where the EventManager hands finished batches. The node's implementation encodes
// them onto the module ROUTER; unit tests record them. Thread rule: called on the loop thread.

#include <plexus/v1/wire.pb.h>

#include <span>
#include <string>

#include "plexus/ipc/event_batch_codec.h"
#include "runtime/send_status.h"

namespace plexus::host {

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual SendStatus sendEvents(const std::string& subscriberId, v1::Lane lane,
                                std::span<const ipc::OutgoingEvent> events) = 0;
  // The end of a replay on request, after its last event (Envelope.replay_end, since 1.5). Only
  // modules ask for replays: a sink of other subscribers (tail taps) takes it as sent.
  virtual SendStatus sendReplayEnd(const std::string& subscriberId, const v1::ReplayEnd& end) {
    (void)subscriberId;
    (void)end;
    return SendStatus::Sent;
  }
};

}  // namespace plexus::host
