#pragma once

// Incoming: one thing the run() loop acts on, decoded from the node's messages (or a stop()
// from another thread). Thread rule: a plain value.

#include <plexus/v1/wire.pb.h>

#include <optional>
#include <string>

#include "plexus/ipc/event_batch_codec.h"

namespace plexus::sdk::detail {

struct Incoming {
  enum class Kind {
    Batch,         // events to dispatch
    ReplayEnd,     // since 1.5: a replay's last event came; `replayEnd` says what it covered
    SubscribeAck,  // the node answered the Subscribe; `message`: its refused types, a line each
    HostError,     // an Error without correlation id (e.g. refused Subscribe)
    HostGoodbye,   // the node unloads this module
    Stop,          // stop() was called
    HostLost,      // the connection to the node is gone
  };
  Kind kind = Kind::Batch;
  ipc::ReceivedBatch batch;
  std::string message;
  std::optional<v1::ReplayEnd> replayEnd;  // Kind::ReplayEnd
};

}  // namespace plexus::sdk::detail
