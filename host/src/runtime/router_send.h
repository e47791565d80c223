#pragma once

// sendToPeer: one message to one peer of a ROUTER socket set to ROUTER_MANDATORY, never
// blocking. The module socket and the control socket both send through it:
// - an unknown (disconnected) peer is EHOSTUNREACH -> Unreachable;
// - a full pipe is EAGAIN -> WouldBlock (the caller keeps what it sends, or gives up on a
//   client that does not read);
// - any other ZeroMQ error is thrown.
// A send may consume the socket's ZMQ_FD edge: the caller must touch() the socket in its event
// loop (EventLoop::touch) so the loop serves it before blocking.
// Thread rule: the thread that owns `router`.

#include <span>
#include <string_view>
#include <zmq.hpp>

#include "runtime/send_status.h"

namespace plexus::host {

// Sends `peer` as the routing frame, then `frames` (consumed on success; at least one).
SendStatus sendToPeer(zmq::socket_t& router, std::string_view peer,
                      std::span<zmq::message_t> frames);

}  // namespace plexus::host
