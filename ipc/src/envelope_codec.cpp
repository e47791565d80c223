#include "plexus/ipc/envelope_codec.h"

#include "plexus/ipc/protocol.h"

namespace plexus::ipc {

void stampVersion(v1::Envelope& envelope) {
  envelope.set_protocol_major(kProtocolMajor);
  envelope.set_protocol_minor(kProtocolMinor);
}

void stampVersion(v1::ControlResponse& response) {
  response.set_protocol_major(kProtocolMajor);
  response.set_protocol_minor(kProtocolMinor);
}

zmq::message_t encodeEnvelope(const v1::Envelope& envelope) {
  std::size_t size = envelope.ByteSizeLong();
  zmq::message_t frame(size);
  envelope.SerializeWithCachedSizesToArray(static_cast<std::uint8_t*>(frame.data()));
  return frame;
}

Status decodeEnvelope(const void* data, std::size_t size, v1::Envelope& out) {
  if (size > static_cast<std::size_t>(INT32_MAX) ||
      !out.ParseFromArray(data, static_cast<int>(size))) {
    return makeError(v1::ERROR_CODE_MALFORMED, "frame is not a plexus.v1.Envelope");
  }
  if (out.body_case() == v1::Envelope::BODY_NOT_SET) {
    return makeError(v1::ERROR_CODE_MALFORMED, "envelope carries no known body");
  }
  return {};
}

v1::Envelope errorEnvelope(v1::ErrorCode code, std::string message, std::uint64_t correlationId) {
  v1::Envelope envelope;
  stampVersion(envelope);
  auto* error = envelope.mutable_error();
  error->set_code(code);
  error->set_message(std::move(message));
  error->set_correlation_id(correlationId);
  return envelope;
}

}  // namespace plexus::ipc
