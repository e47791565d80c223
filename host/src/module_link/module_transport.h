#pragma once

// ModuleTransport: the host's end of the module wire, one connection per module id. It sends
// envelopes and event batches (it is the EventManager's sink for module batches) and receives
// what the modules send. The real one (makeZmqModuleTransport) works a module ROUTER; tests and
// fuzzers use fakes. A node may own several (one per module socket).
// Thread rule: loop thread only (the real one works a socket of the loop).

#include <plexus/v1/wire.pb.h>

#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "delivery/event_sink.h"
#include "plexus/ipc/event_batch_codec.h"
#include "runtime/event_loop.h"

namespace plexus::host {

// One message received from a module.
struct ReceivedMessage {
  std::string routingId;
  std::string userId;       // ZAP User-Id of the connection ("" if none)
  int peerPid = 0;          // the connected process (SO_PEERCRED via Peer-Address); 0 if unknown
  std::string peerAddress;  // ZMQ's Peer-Address ("127.0.0.1" on tcp)
  std::vector<zmq::message_t> frames;  // after the routing id
};

class ModuleTransport : public EventSink {
 public:
  virtual SendStatus sendEnvelope(const std::string& moduleId, const v1::Envelope& envelope) = 0;
  // An Envelope{replay_end}, through sendEnvelope.
  SendStatus sendReplayEnd(const std::string& moduleId, const v1::ReplayEnd& end) override;
  // Takes the next message without blocking into `out` (its buffers are reused); false when
  // nothing is waiting.
  virtual bool receive(ReceivedMessage& out) = 0;
};

// The transport over `router` (a module ROUTER with ROUTER_MANDATORY, served by `loop`): event
// batches are encoded with `layout`; every send touches the router in `loop`.
std::unique_ptr<ModuleTransport> makeZmqModuleTransport(EventLoop& loop, zmq::socket_t& router,
                                                        ipc::BodyLayout layout);

}  // namespace plexus::host
