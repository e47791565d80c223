#include "incoming_decoder.h"

#include <memory>

#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/event_batch_codec.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"

namespace plexus::sdk::detail {

namespace {
DecodedMessage forRunLoop(Incoming incoming) {
  DecodedMessage out;
  out.kind = DecodedMessage::Kind::ForRunLoop;
  out.incoming = std::move(incoming);
  return out;
}

DecodedMessage malformed(std::string problem) {
  DecodedMessage out;
  out.kind = DecodedMessage::Kind::Malformed;
  out.problem = std::move(problem);
  return out;
}

// What a node may not send at `negotiatedMinor` (below 1.5: nothing of replay).
std::string tooNew(const char* what, std::uint32_t negotiatedMinor) {
  const std::string major = std::to_string(ipc::kProtocolMajor) + ".";
  return std::string(what) + " at protocol " + major + std::to_string(negotiatedMinor) +
         " (replay needs " + major + std::to_string(ipc::kMinorReplay) + ")";
}

}  // namespace

DecodedMessage decodeIncoming(std::vector<zmq::message_t>& frames, v1::Envelope& scratch,
                              std::uint32_t negotiatedMinor) {
  DecodedMessage out;
  if (frames.empty()) {
    out.kind = DecodedMessage::Kind::Malformed;
    out.problem = "empty message";
    return out;
  }
  if (auto status = ipc::decodeEnvelope(frames[0], scratch); !status) {
    out.kind = DecodedMessage::Kind::Malformed;
    out.problem = status.error().message;
    return out;
  }
  switch (scratch.body_case()) {
    case v1::Envelope::kEventBatch: {
      const bool replay = scratch.event_batch().lane() == v1::LANE_REPLAY;
      if (replay && negotiatedMinor < ipc::kMinorReplay) {
        return malformed(tooNew("event batch: LANE_REPLAY", negotiatedMinor));
      }
      std::vector<zmq::message_t> bodies;
      bodies.reserve(frames.size() - 1);
      for (std::size_t i = 1; i < frames.size(); ++i)
        bodies.push_back(std::move(frames[i]));
      auto batch = ipc::decodeEventBatch(scratch.event_batch(), std::move(bodies));
      if (!batch) {
        out.kind = DecodedMessage::Kind::Malformed;
        out.problem = "event batch: " + batch.error().message;
        return out;
      }
      return forRunLoop({Incoming::Kind::Batch, std::move(batch).value(), {}, {}});
    }
    case v1::Envelope::kResponse:
      out.kind = DecodedMessage::Kind::Reply;
      out.correlationId = scratch.response().correlation_id();
      out.reply = scratch.response();
      return out;
    case v1::Envelope::kError: {
      const auto& error = scratch.error();
      if (error.correlation_id() == 0) {
        return forRunLoop({Incoming::Kind::HostError, {}, error.message(), {}});
      }
      out.kind = DecodedMessage::Kind::Reply;
      out.correlationId = error.correlation_id();
      Error reply = makeError(error.code(), error.message());
      if (error.has_publish()) {
        // A publish some block-policy subscriber did not take: the answer comes with it.
        reply.publish = std::make_shared<const v1::PublishResponse>(error.publish());
      }
      out.reply = std::move(reply);
      return out;
    }
    case v1::Envelope::kSubscribeAck: {
      // Since 1.2: the types the node refused, one line each ("NewTransaction: why").
      std::string refused;
      for (const auto& refusal : scratch.subscribe_ack().refused()) {
        if (!refused.empty()) refused += '\n';
        const auto type = static_cast<v1::EventType>(refusal.type());
        refused += ipc::isValidEventType(type) ? ipc::displayName(type)
                                               : "event type " + std::to_string(refusal.type());
        refused += ": " + refusal.reason();
      }
      return forRunLoop({Incoming::Kind::SubscribeAck, {}, std::move(refused), {}});
    }
    case v1::Envelope::kReplayEnd: {
      if (negotiatedMinor < ipc::kMinorReplay) {
        return malformed(tooNew("ReplayEnd", negotiatedMinor));
      }
      return forRunLoop({Incoming::Kind::ReplayEnd, {}, {}, scratch.replay_end()});
    }
    case v1::Envelope::kGoodbye:
      return forRunLoop({Incoming::Kind::HostGoodbye, {}, scratch.goodbye().reason(), {}});
    default:
      return out;  // HandshakeAck again, or something newer: nothing to do
  }
}

}  // namespace plexus::sdk::detail
