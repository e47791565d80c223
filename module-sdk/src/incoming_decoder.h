#pragma once

// decodeIncoming: what one message from plexus-node means to the SDK. Pure (no socket, no
// thread), so the I/O thread and the fuzz target share it. A malformed message is reported,
// never thrown.
// Thread rule: any thread; `scratch` belongs to the caller.

#include <plexus/v1/wire.pb.h>

#include <cstdint>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "incoming.h"
#include "plexus/ipc/result.h"

namespace plexus::sdk::detail {

struct DecodedMessage {
  enum class Kind {
    ForRunLoop,  // `incoming` goes to the handler thread (batch, ack, error, goodbye)
    Reply,       // completes the request `correlationId` with `reply`
    Ignored,     // nothing to do (a repeated HandshakeAck, a newer body)
    Malformed,   // `problem` says why; the message is dropped
  };
  Kind kind = Kind::Ignored;
  Incoming incoming;
  std::uint64_t correlationId = 0;
  Result<v1::Response> reply = v1::Response();
  std::string problem;
};

// Consumes `frames` (the bodies move into the result). `negotiatedMinor`: the connection's
// protocol minor; what the node may not send below it (a LANE_REPLAY batch or a ReplayEnd below
// 1.5) is Malformed, like a batch on an unknown lane.
DecodedMessage decodeIncoming(std::vector<zmq::message_t>& frames, v1::Envelope& scratch,
                              std::uint32_t negotiatedMinor);

}  // namespace plexus::sdk::detail
