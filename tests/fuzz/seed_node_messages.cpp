// envelope_batch_fuzz and sdk_decoder_fuzz seeds: messages from the node.

#include <string>

#include "seed_corpora.h"

namespace plexus::fuzz::seeds {

void nodeMessages(Writer& out, const std::string& target) {
  const std::string b1 = bytesOf(newBlock(812));
  const std::string b2 = bytesOf(newBlock(813));
  const std::string tx = bytesOf(newTransaction("f00dfeed"));
  const std::string loaded = bytesOf(moduleLoaded("chainsim", 1));
  const std::string shutdown = bytesOf(nodeShutdown());

  out.writeFrames(target, "batch_packed_one", batch(v1::LANE_EVENT, true, {{1, 0, b1}}));
  out.writeFrames(target, "batch_packed_gaps",
                  batch(v1::LANE_EVENT, true, {{3, 2, b1}, {4, 0, tx}, {9, 4, b2}}));
  out.writeFrames(target, "batch_shared_frames",
                  batch(v1::LANE_EVENT, false, {{1, 0, b1}, {2, 0, tx}, {3, 0, b2}}));
  out.writeFrames(target, "batch_critical",
                  batch(v1::LANE_CRITICAL, true, {{1, 0, bytesOf(chainReorg(7))}, {3, 1, b1}}));
  out.writeFrames(target, "batch_lifecycle",
                  batch(v1::LANE_LIFECYCLE, true, {{1, 0, loaded}, {2, 0, shutdown}}));
  out.writeFrames(target, "batch_lifecycle_shared",
                  batch(v1::LANE_LIFECYCLE, false, {{1, 0, loaded}}));
  out.writeFrames(target, "batch_empty_bodies",
                  batch(v1::LANE_EVENT, true, {{1, 0, ""}, {2, 0, b1}, {3, 0, ""}}));
  out.writeFrames(target, "batch_shared_empty_frame", batch(v1::LANE_EVENT, false, {{5, 4, ""}}));
  out.writeFrames(target, "batch_body_not_an_event",
                  batch(v1::LANE_EVENT, true, {{1, 0, std::string("\xff\xff\xff\x0f\x12", 5)}}));
  v1::Event unknown = newBlock(1);
  unknown.set_type(static_cast<v1::EventType>(999));
  out.writeFrames(target, "batch_unknown_type",
                  batch(v1::LANE_EVENT, true, {{1, 0, bytesOf(unknown)}}));

  // Invalid batches: every refusal of decodeEventBatch.
  auto sizesTooLarge = batch(v1::LANE_EVENT, true, {{1, 0, b1}});
  sizesTooLarge[1].resize(sizesTooLarge[1].size() - 3);
  out.writeFrames(target, "bad_packed_short", sizesTooLarge);
  auto trailing = batch(v1::LANE_EVENT, true, {{1, 0, b1}});
  trailing[1] += "xyz";
  out.writeFrames(target, "bad_packed_trailing", trailing);
  auto missing = batch(v1::LANE_EVENT, false, {{1, 0, b1}, {2, 0, b2}});
  missing.pop_back();
  out.writeFrames(target, "bad_shared_missing_frame", missing);
  auto twoPacked = batch(v1::LANE_EVENT, true, {{1, 0, b1}});
  twoPacked.push_back(b2);
  out.writeFrames(target, "bad_packed_two_frames", twoPacked);
  out.writeFrames(target, "bad_no_lane", batch(v1::LANE_UNSPECIFIED, true, {{1, 0, b1}}));
  out.writeFrames(target, "bad_empty_batch", batch(v1::LANE_EVENT, true, {}));

  // Other bodies the node sends.
  v1::Envelope ackEnvelope = stamped();
  auto* hsAck = ackEnvelope.mutable_handshake_ack();
  hsAck->set_negotiated_minor(0);
  hsAck->mutable_node()->set_version("0.1.0");
  hsAck->mutable_node()->set_pid(4242);
  hsAck->set_channel_capacity(100);
  hsAck->set_heartbeat_interval_ms(1000);
  hsAck->set_incarnation(2);
  (*hsAck->mutable_settings())["blocks_per_s"] = "2";
  (*hsAck->mutable_settings())["mode"] = "fast";
  out.writeFrames(target, "handshake_ack", {bytesOf(ackEnvelope)});
  v1::Envelope published = stamped();
  published.mutable_response()->set_correlation_id(7);
  published.mutable_response()->mutable_publish()->set_subscribers(3);
  published.mutable_response()->mutable_publish()->set_dropped(1);
  out.writeFrames(target, "response_publish", {bytesOf(published)});
  v1::Envelope stats = stamped();
  stats.mutable_response()->set_correlation_id(8);
  auto* s = stats.mutable_response()->mutable_stats();
  s->set_module_id("logger");
  s->set_routed(10);
  s->set_successful(9);
  s->set_channel_full(1);
  s->set_acked(7);
  s->set_in_flight(2);
  s->set_capacity(100);
  out.writeFrames(target, "response_stats", {bytesOf(stats)});
  out.writeFrames(target, "error_correlated", {error(v1::ERROR_CODE_TIMEOUT, "1 block", 9)});
  out.writeFrames(target, "error_uncorrelated",
                  {error(v1::ERROR_CODE_PERMISSION_DENIED, "may not subscribe", 0)});
  v1::Envelope subAck = stamped();
  subAck.mutable_subscribe_ack()->add_types(v1::EVENT_TYPE_NEW_BLOCK);
  subAck.mutable_subscribe_ack()->add_types(v1::EVENT_TYPE_MODULE_LOADED);
  out.writeFrames(target, "subscribe_ack", {bytesOf(subAck)});
  out.writeFrames(target, "goodbye", {goodbye("unloaded")});
  out.writeFrames(target, "garbage", {std::string("\xff\xff\xff\xff\x0f garbage", 13)});
  out.writeFrames(target, "envelope_without_body", {std::string("\x08\x01\x10\x00", 4)});
}

}  // namespace plexus::fuzz::seeds
