// module_server_fuzz seeds: scripts (module_server_script.h) of three modules and an intruder.

#include <string>
#include <vector>

#include "module_server_script.h"
#include "plexus/ipc/protocol.h"
#include "seed_corpora.h"

namespace plexus::fuzz::seeds {
namespace {

using script::Action;
using script::step;

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

}  // namespace

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
  // The critical lane: ChainReorg from alpha overtakes gamma's full event lane (capacity 3)
  // and beta's (block policy, capacity 1), then both lanes are acked.
  out.writeFrames(
      target, "critical_lane",
      with({msg(kAlpha, handshake("alpha")), msg(kAlpha, subscribe({})),
            msg(kBeta, handshake("beta")),
            msg(kBeta, subscribe({v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_CHAIN_REORG})),
            msg(kGamma, handshake("gamma")),
            msg(kGamma, subscribe({v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_CHAIN_REORG}))},
           {msg(kAlpha, publish(1, newBlock(1))), msg(kAlpha, publish(2, newBlock(2))),
            msg(kAlpha, publish(3, newBlock(3))), msg(kAlpha, publish(4, newBlock(4))),
            msg(kAlpha, publish(5, chainReorg(4))), msg(kAlpha, publish(6, chainReorg(5))),
            act(kGamma, Action::AckAll), act(kBeta, Action::AckAll),
            msg(kAlpha, publish(7, chainReorg(6))), act(kGamma, Action::AckAll),
            act(kBeta, Action::AckAll)}));
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

}  // namespace plexus::fuzz::seeds
