// sdk_decoder_fuzz: one message from the node (frames split by kFrameSeparator) through the
// SDK's decodeIncoming, as its I/O thread does; a decoded batch is then dispatched as the
// handler thread does (module.cpp: every body parsed as an Event, handlers looked up by type).

#include <array>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "fuzz_targets.h"
#include "incoming_decoder.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"
#include "plexus/sdk/module.h"

namespace plexus::fuzz {

namespace {

// Mirrors Module::Impl::handleNext() with a handler for every valid type.
void dispatch(const ipc::ReceivedBatch& batch) {
  PLEXUS_FUZZ_CHECK(batch.metas.size() == batch.bodies.size(), "a body per meta");
  PLEXUS_FUZZ_CHECK(batch.lane == v1::LANE_EVENT || batch.lane == v1::LANE_LIFECYCLE ||
                        batch.lane == v1::LANE_CRITICAL || batch.lane == v1::LANE_REPLAY,
                    "a batch on an unknown lane reached the handler thread");
  static std::array<bool, ipc::kEventTypeSlots> handlers = [] {
    std::array<bool, ipc::kEventTypeSlots> out{};
    for (v1::EventType type : ipc::allEventTypes())
      out[static_cast<std::size_t>(type)] = true;
    return out;
  }();
  v1::Event event;
  for (std::size_t i = 0; i < batch.bodies.size(); ++i) {
    const auto& meta = batch.metas[i];
    const auto& body = batch.bodies[i];
    if (event.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      const std::size_t slot = static_cast<std::size_t>(event.type());
      if (slot < handlers.size() && handlers[slot]) {
        const sdk::Delivery delivery(event, meta.seq(), meta.dropped_before(), batch.lane);
        PLEXUS_FUZZ_CHECK(delivery.isLifecycle() == (batch.lane == v1::LANE_LIFECYCLE),
                          "a delivery on the wrong lane");
        (void)ipc::displayName(delivery.event().type());  // what a handler error would print
      }
    }
  }
}

}  // namespace

int sdkDecoder(const std::uint8_t* data, std::size_t size) {
  quietLogging();
  std::vector<zmq::message_t> frames;
  if (size > 0) {  // an empty input stands for a message without frames
    for (std::string_view frame : splitFrames(data, size)) {
      frames.emplace_back(frame.data(), frame.size());
    }
  }
  v1::Envelope scratch;
  sdk::detail::DecodedMessage decoded =
      sdk::detail::decodeIncoming(frames, scratch, ipc::kProtocolMinor);
  using Kind = sdk::detail::DecodedMessage::Kind;
  switch (decoded.kind) {
    case Kind::ForRunLoop:
      if (decoded.incoming.kind == sdk::detail::Incoming::Kind::Batch) {
        dispatch(decoded.incoming.batch);
      }
      break;
    case Kind::Reply:
      PLEXUS_FUZZ_CHECK(decoded.correlationId != 0 || decoded.reply.ok(),
                        "an uncorrelated error was taken for a reply");
      if (!decoded.reply.ok()) (void)decoded.reply.error().message.size();
      break;
    case Kind::Malformed:
      PLEXUS_FUZZ_CHECK(!decoded.problem.empty(), "a malformed message without a reason");
      break;
    case Kind::Ignored:
      break;
  }
  return 0;
}

}  // namespace plexus::fuzz
