#pragma once

// PublishReport: what a publish answers, part of the node's public API (Publisher).

#include <cstdint>
#include <string>
#include <vector>

namespace plexus::host {

// Why a block-policy subscriber did not take an event (wire: v1::MissReason).
enum class MissReason : std::uint8_t {
  Stopping,    // being stopped (unload, reload, its own Goodbye, node shutdown)
  Gone,        // its incarnation ended while the event waited for it
  Restarting,  // between incarnations (crash backoff, reload): no channel to take it
  TimedOut,    // no room within the block timeout
  Full,        // no room, and the publisher cannot wait (the host's own events)
};

struct MissedSubscriber {
  std::string moduleId;
  MissReason reason = MissReason::Gone;
};

// The fate of one publish across its subscribers:
// subscribers = accepted + dropped + failed + timedOut.
struct PublishReport {
  std::uint32_t subscribers = 0;  // modules the event was routed to
  std::uint32_t filtered = 0;     // subscribers whose filter turned it away (not routed)
  std::uint32_t accepted = 0;     // taken into the channel
  std::uint32_t dropped = 0;      // full channel (drop policy, or block without waiting)
  std::uint32_t failed = 0;       // subscriber stopping, gone or between incarnations
  std::uint32_t timedOut = 0;     // block subscribers that did not make room in time
  // Block-policy subscribers that did not take it. The publish succeeded only when empty.
  std::vector<MissedSubscriber> missed;
  // False when the node published nothing: the event was neither journaled nor routed, because
  // the journal made no room for it within the block timeout (a type a durable module
  // subscribes to). `missed` names the durable subscribers; the publisher may publish it again.
  bool published = true;

  bool delivered() const { return published && missed.empty(); }
};

}  // namespace plexus::host
