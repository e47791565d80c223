#pragma once

// EventSink: where the EventManager hands finished batches. The node's implementation encodes
// them onto the module ROUTER; unit tests record them. Thread rule: called on the loop thread.

#include <plexus/v1/wire.pb.h>

#include <span>
#include <string>

#include "plexus/ipc/event_batch_codec.h"

namespace plexus::host {

enum class SendStatus {
  Sent,         // handed to the transport
  WouldBlock,   // transport full right now: keep the events queued and retry
  Unreachable,  // the peer is gone: the caller treats the module as dead
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual SendStatus sendEvents(const std::string& subscriberId, v1::Lane lane,
                                std::span<const ipc::OutgoingEvent> events) = 0;
};

}  // namespace plexus::host
