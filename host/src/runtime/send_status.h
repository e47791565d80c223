#pragma once

// SendStatus: what became of one message handed to a transport (a ROUTER peer, a module, an
// operator's tail session). Thread rule: a plain value.

namespace plexus::host {

enum class SendStatus {
  Sent,         // handed to the transport
  WouldBlock,   // transport full right now: keep the events queued and retry
  Unreachable,  // the peer is gone: the caller treats the module as dead
};

}  // namespace plexus::host
