#pragma once

// Envelope framing: one serialized plexus.v1.Envelope per ZeroMQ frame.

#include <plexus/v1/control.pb.h>
#include <plexus/v1/wire.pb.h>

#include <string>
#include <zmq.hpp>

#include "plexus/ipc/result.h"

namespace plexus::ipc {

// Stamps the protocol version this build speaks.
void stampVersion(v1::Envelope& envelope);
// The same for an answer on the control socket (control.proto shares the protocol version).
void stampVersion(v1::ControlResponse& response);

zmq::message_t encodeEnvelope(const v1::Envelope& envelope);

// Parses `frame` into `out`. Fails (ERROR_CODE_MALFORMED) when the bytes are not an Envelope
// or carry no body; version checks are the receiver's business.
Status decodeEnvelope(const void* data, std::size_t size, v1::Envelope& out);
inline Status decodeEnvelope(const zmq::message_t& frame, v1::Envelope& out) {
  return decodeEnvelope(frame.data(), frame.size(), out);
}

// Convenience builders for bodies sent from several places.
v1::Envelope errorEnvelope(v1::ErrorCode code, std::string message,
                           std::uint64_t correlationId = 0);

}  // namespace plexus::ipc
