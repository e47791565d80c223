// plexus-fuzz-make-seeds DIR: writes the seed corpora of the fuzz targets into DIR/corpus/<target>/
// (run it on tests/fuzz/ and commit the result). Seeds are meaningful messages and scripts, so the
// fuzzers start deep: complete handshake-subscribe-publish-ack sequences, block waits, restarts,
// unloads, the documented configs. Serialization is deterministic: re-running it rewrites the
// same bytes.

#include <iostream>
#include <string>
#include <vector>

#include "config/config.h"
#include "fuzz_support.h"
#include "module_server_script.h"
#include "plexus/ipc/protocol.h"
#include "seed_messages.h"

namespace plexus::fuzz::seeds {
namespace {

using script::Action;
using script::step;

// ---- envelope_batch_fuzz and sdk_decoder_fuzz: messages from the node ----

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

// ---- module_server_fuzz: scripts ----

constexpr int kAlpha = 0, kBeta = 1, kGamma = 2, kIntruder = 3;

std::string msg(int module, const std::string& envelope, bool flush = true) {
  return step(module, Action::Message, envelope, flush);
}
std::string act(int module, Action action, std::string_view payload = {}) {
  return step(module, action, payload);
}

// Handshake + first Subscribe for all three: beta (block, capacity 1) and gamma (drop,
// capacity 3) take NewBlock; beta also ModuleLoaded (replay).
std::vector<std::string> connectAll() {
  return {msg(kAlpha, handshake("alpha")),
          msg(kAlpha, subscribe({})),
          msg(kBeta, handshake("beta")),
          msg(kBeta, subscribe({v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_MODULE_LOADED})),
          msg(kGamma, handshake("gamma")),
          msg(kGamma, subscribe({v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_NEW_TRANSACTION}))};
}

void moduleScripts(Writer& out) {
  const std::string target = "module_server_fuzz";
  auto with = [](std::vector<std::string> steps, std::initializer_list<std::string> more) {
    steps.insert(steps.end(), more.begin(), more.end());
    return steps;
  };
  out.writeFrames(target, "connect_all", connectAll());
  out.writeFrames(
      target, "publish_ack",
      with(connectAll(),
           {msg(kAlpha, publish(1, newBlock(1))), msg(kAlpha, publish(2, newBlock(2))),
            msg(kAlpha, publish(3, newTransaction("aa"))), act(kGamma, Action::AckAll),
            act(kBeta, Action::AckAll), msg(kAlpha, publish(4, newBlock(3))), msg(kGamma, ack(2)),
            msg(kGamma, statsRequest(11)), msg(kBeta, statsRequest(12)), act(kBeta, Action::AckAll),
            act(kGamma, Action::AckAll)}));
  out.writeFrames(
      target, "block_timeout",
      with(connectAll(),
           {msg(kAlpha, publish(1, newBlock(1))), msg(kAlpha, publish(2, newBlock(2))),
            msg(kAlpha, publish(3, newBlock(3))), act(kAlpha, Action::AdvanceClock, "\x02"),
            act(kAlpha, Action::AdvanceClock, "\x02"), act(kBeta, Action::AckAll),
            msg(kAlpha, publish(4, newBlock(4))), act(kBeta, Action::AckAll)}));
  out.writeFrames(
      target, "block_admit_and_outstanding",
      with(connectAll(),
           {act(kBeta, Action::AckAll), msg(kAlpha, publish(1, newBlock(1))),
            msg(kAlpha, publish(2, newBlock(2))), msg(kAlpha, publish(3, newBlock(3))),
            msg(kAlpha, publish(4, newBlock(4))), msg(kAlpha, publish(5, newBlock(5))),
            msg(kAlpha, publish(6, newBlock(6))), act(kBeta, Action::AckAll),
            act(kBeta, Action::AckAll), act(kBeta, Action::AckAll), act(kBeta, Action::AckAll)}));
  out.writeFrames(
      target, "restart_and_replay",
      with(connectAll(),
           {msg(kAlpha, publish(1, newBlock(1))), act(kBeta, Action::ExitOrRespawn),
            msg(kBeta, ack(1)), msg(kBeta, handshake("beta")), act(kBeta, Action::ExitOrRespawn),
            msg(kBeta, handshake("beta")), msg(kBeta, handshake("beta")),
            msg(kBeta, subscribe({v1::EVENT_TYPE_MODULE_LOADED})),
            msg(kBeta, subscribe({v1::EVENT_TYPE_NEW_BLOCK})), msg(kAlpha, publish(2, newBlock(2))),
            act(kBeta, Action::AckAll)}));
  out.writeFrames(
      target, "unload_goodbye",
      with(connectAll(), {msg(kAlpha, publish(1, newBlock(1))), act(kGamma, Action::Unload),
                          msg(kAlpha, publish(2, newBlock(2))), act(kGamma, Action::AckAll),
                          msg(kGamma, goodbye("unloaded")), act(kGamma, Action::ExitOrRespawn),
                          msg(kBeta, goodbye("done")), msg(kAlpha, publish(3, newBlock(3))),
                          act(kBeta, Action::ExitOrRespawn)}));
  out.writeFrames(
      target, "unreachable",
      with(connectAll(),
           {act(kGamma, Action::ToggleUnreachable), msg(kAlpha, publish(1, newBlock(1))),
            act(kGamma, Action::ExitOrRespawn), msg(kGamma, handshake("gamma")),
            msg(kGamma, subscribe({v1::EVENT_TYPE_NEW_BLOCK})),
            act(kAlpha, Action::ToggleUnreachable), msg(kAlpha, statsRequest(1)),
            msg(kAlpha, publish(2, newBlock(2)))}));
  out.writeFrames(
      target, "would_block_and_batching",
      with(connectAll(),
           {act(kGamma, Action::ToggleWouldBlock), msg(kAlpha, publish(1, newBlock(1)), false),
            msg(kAlpha, publish(2, newTransaction("bb")), false),
            msg(kAlpha, publish(3, newBlock(2)), false), msg(kAlpha, publish(4, newBlock(3))),
            act(kGamma, Action::ToggleWouldBlock), act(kGamma, Action::AckSome, "\x01"),
            act(kGamma, Action::AckAll), msg(kAlpha, publish(5, newBlock(4)))}));
  out.writeFrames(
      target, "host_events",
      with(connectAll(),
           {act(kAlpha, Action::HostPublish), msg(kBeta, subscribe({v1::EVENT_TYPE_HEALTH_CHECK})),
            act(kAlpha, Action::HostPublish), act(kAlpha, Action::StickyOn),
            msg(kBeta, subscribe({v1::EVENT_TYPE_DISK_SPACE_LOW})),
            msg(kGamma, subscribe({v1::EVENT_TYPE_DISK_SPACE_LOW})), act(kAlpha, Action::StickyOff),
            act(kGamma, Action::ResetStats), act(kBeta, Action::ResetStats),
            act(kAlpha, Action::NodeShutdown), act(kBeta, Action::AckAll),
            msg(kGamma, goodbye("node shutdown"))}));
  const std::string otherMajor = [] {
    v1::Envelope envelope;
    envelope.ParseFromString(handshake("alpha"));
    envelope.set_protocol_major(ipc::kProtocolMajor + 1);
    return bytesOf(envelope);
  }();
  const std::string statsOtherMajor = [] {
    v1::Envelope envelope;
    envelope.ParseFromString(statsRequest(5));
    envelope.set_protocol_major(0);
    return bytesOf(envelope);
  }();
  const std::string emptyRequest = [] {
    v1::Envelope envelope = stamped();
    envelope.mutable_request()->set_correlation_id(3);  // and no body
    return bytesOf(envelope);
  }();
  v1::Event mismatched = newBlock(1);
  mismatched.mutable_new_transaction()->set_txid("cc");
  out.writeFrames(
      target, "malformed_and_refused",
      {msg(kBeta, subscribe({v1::EVENT_TYPE_NEW_BLOCK})),
       msg(kIntruder, handshake("alpha")),
       msg(kAlpha, otherMajor),
       msg(kAlpha, handshake("beta")),
       msg(kAlpha, handshake("alpha")),
       msg(kAlpha, handshake("alpha")),
       msg(kAlpha, statsOtherMajor),
       msg(kAlpha, "\xff\xff\xff\xff garbage"),
       act(kAlpha, Action::EmptyMessage),
       msg(kAlpha, statsRequest(2)),
       act(kAlpha, Action::FrameOfPrevious, "second frame"),
       msg(kAlpha, subscribe({999})),
       msg(kBeta, handshake("beta")),
       msg(kBeta, subscribe({v1::EVENT_TYPE_PEER_BANNED})),
       msg(kBeta, subscribe({})),
       msg(kBeta, subscribe({v1::EVENT_TYPE_NEW_BLOCK}, true)),
       msg(kBeta, subscribe({999}, true)),
       msg(kAlpha, batch(v1::LANE_EVENT, true, {})[0]),  // a host-only body from a module
       msg(kAlpha, emptyRequest),
       msg(kAlpha, publish(4, nodeShutdown())),
       msg(kAlpha, publish(5, mismatched)),
       msg(kAlpha, publish(6, newTransaction("dd"))),
       msg(kGamma, handshake("gamma")),
       msg(kGamma, publish(7, newBlock(1))),
       msg(kBeta, publish(8, newTransaction("ee"))),
       msg(kAlpha, ack(7)),
       msg(kAlpha, error(v1::ERROR_CODE_INTERNAL, "handler blew up", 0)),
       msg(kAlpha, heartbeat())});
  std::vector<std::string> burst = {msg(kAlpha, handshake("alpha"))};
  for (int i = 1; i <= 20; ++i)
    burst.push_back(msg(kAlpha, statsRequest(static_cast<unsigned>(i))));
  burst.push_back(msg(kAlpha, heartbeat()));
  burst.push_back(msg(kAlpha, ack(0)));
  out.writeFrames(target, "rate_limit", burst);
  std::vector<std::string> flood = connectAll();
  for (int i = 1; i <= 8; ++i) {
    flood.push_back(
        msg(kAlpha, publish(static_cast<unsigned>(i), newBlock(static_cast<unsigned>(i)))));
  }
  flood.push_back(act(kGamma, Action::AckSome, "\x01"));
  flood.push_back(msg(kAlpha, publish(9, newBlock(9))));
  flood.push_back(act(kGamma, Action::AckAll));
  flood.push_back(msg(kAlpha, publish(10, newBlock(10))));
  flood.push_back(act(kGamma, Action::ExitOrRespawn));
  out.writeFrames(target, "drops_and_partial_acks", flood);
}

// ---- config_fuzz ----

void configs(Writer& out) {
  const std::string target = "config_fuzz";
  out.write(target, "embedded_default", host::embeddedDefaultConfig());
  out.write(target, "docs_example",
            R"pb(runtime_dir: "/run/plexus"
                 default_channel_capacity: 100

                 module {
                   name: "chainsim"
                   exec: "plexus-chainsim"  # beside plexus-node, else on PATH
                   settings { key: "blocks_per_s" value: "2" }
                   capabilities { publish: [ EVENT_TYPE_NEW_BLOCK, EVENT_TYPE_NEW_TRANSACTION ] }
                 }
                 module {
                   name: "archiver"
                   exec: "/opt/archiver/bin/archiver"
                   args: "--verbose"
                   channel_capacity: 1000
                   policy: DELIVERY_POLICY_BLOCK  # must not lose events
                   restart: RESTART_POLICY_ALWAYS
                   settings { key: "out" value: "/var/lib/archiver" }
                   limits { address_space_bytes: 2147483648 open_files: 256 }
                 }

                 timings { shutdown_grace_ms: 10000 }
                 log {
                   level: "info"
                   components { key: "events" value: "debug" }
                 }
            )pb");
  out.write(target, "every_field",
            R"pb(runtime_dir: "/tmp/plexus-test"
                 default_channel_capacity: 50
                 data_dir: "/var/lib/plexus"
                 disk_space_low_bytes: 1073741824
                 max_message_bytes: 1048576
                 module_request_rate: 500
                 module {
                   name: "logger"
                   exec: "plexus-logger"
                   args: [ "--json", "--color=never" ]
                   channel_capacity: 20
                   policy: DELIVERY_POLICY_DROP
                   restart: RESTART_POLICY_NEVER
                   settings { key: "types" value: "NewBlock,ModuleLoaded" }
                   settings { key: "out" value: "/tmp/log.jsonl" }
                   limits {
                     address_space_bytes: 1
                     open_files: 64
                     cpu_seconds: 10
                     rss_soft_limit_bytes: 4096
                   }
                   capabilities {
                     subscribe: [ EVENT_TYPE_NEW_BLOCK, EVENT_TYPE_MODULE_LOADED ]
                     publish: []
                   }
                   disabled: true
                 }
                 timings {
                   handshake_timeout_ms: 1
                   heartbeat_interval_ms: 2
                   missed_heartbeats: 3
                   dead_timeout_ms: 4
                   stall_timeout_ms: 5
                   block_timeout_ms: 6
                   restart_backoff_initial_ms: 7
                   restart_backoff_max_ms: 8
                   crash_limit: 9
                   crash_window_ms: 10
                   stable_after_ms: 11
                   shutdown_grace_ms: 12
                   kill_after_ms: 13
                   health_check_interval_ms: 14
                   stats_log_interval_ms: 15
                   resource_check_interval_ms: 16
                 }
                 log {
                   level: "debug"
                   components { key: "module.logger" value: "trace" }
                   components { key: "node" value: "off" }
                 }
                 maintenance {
                   operation: MAINTENANCE_OPERATION_FLUSH
                   urgency: URGENCY_HIGH
                   interval_ms: 60000
                   timeout_ms: 5000
                   reason: "nightly"
                 }
                 maintenance { operation: MAINTENANCE_OPERATION_CLEANUP }
            )pb");
  out.write(target, "empty", "");
  out.write(target, "comment_only", "# nothing configured: no modules\n");
  out.write(target, "numeric_enums",
            "module { name: \"m\" exec: \"x\" policy: 2 restart: 3 "
            "capabilities { publish: [1, 2] subscribe: 30 } }\n");
  out.write(target, "bad_module_name", "module { name: \"Bad Name\" exec: \"x\" }\n");
  out.write(target, "bad_reserved_name", "module { name: \"host\" exec: \"x\" }\n");
  out.write(target, "bad_duplicate",
            "module { name: \"a\" exec: \"x\" }\nmodule { name: \"a\" exec: \"y\" }\n");
  out.write(target, "bad_no_exec", "module { name: \"a\" }\n");
  out.write(target, "bad_capacity",
            "module { name: \"a\" exec: \"x\" channel_capacity: 1000001 }\n"
            "default_channel_capacity: 4000000000\n");
  out.write(
      target, "bad_host_only_grant",
      "module { name: \"a\" exec: \"x\" capabilities { publish: EVENT_TYPE_NODE_SHUTDOWN } }\n");
  out.write(target, "bad_unknown_type",
            "module { name: \"a\" exec: \"x\" capabilities { subscribe: 999 publish: 0 } }\n");
  out.write(target, "bad_log_level",
            "log { level: \"loud\" components { key: \"events\" value: \"verbose\" } }\n");
  out.write(target, "bad_syntax", "module {\n  name: \"a\"\n  channel_capacity: fast\n}\n");
  out.write(target, "bad_unknown_field", "modules { name: \"a\" }\n");
  out.write(target, "bad_unterminated", "module { name: \"a\n");
  out.write(target, "bad_negative", "default_channel_capacity: -1\n");
}

}  // namespace
}  // namespace plexus::fuzz::seeds

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " DIR   (writes DIR/corpus/<target>/; DIR = tests/fuzz)\n";
    return 2;
  }
  try {
    plexus::fuzz::seeds::Writer out(argv[1]);
    plexus::fuzz::seeds::nodeMessages(out, "envelope_batch_fuzz");
    plexus::fuzz::seeds::nodeMessages(out, "sdk_decoder_fuzz");
    plexus::fuzz::seeds::moduleScripts(out);
    plexus::fuzz::seeds::configs(out);
    std::cout << "wrote " << out.count() << " seeds under " << argv[1] << "/corpus\n";
  } catch (const std::exception& e) {
    std::cerr << argv[0] << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
