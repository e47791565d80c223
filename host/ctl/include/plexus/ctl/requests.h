#pragma once

// Command -> the ControlRequest that carries it, the response body that answers it, and how
// long to wait for that answer.

#include <plexus/v1/control.pb.h>

#include <chrono>

#include "plexus/ctl/command.h"

namespace plexus::ctl {

// Protocol version and correlation id are left to ControlClient.
v1::ControlRequest buildRequest(const Command& command);

// The body a successful answer carries (kTailEvents for tail).
v1::ControlResponse::BodyCase expectedBody(const Command& command);

// --timeout when given; otherwise 5000 ms, or 30000 ms for load, unload and reload, which the
// node answers only once the module is ready or has exited.
std::chrono::milliseconds requestTimeout(const GlobalOptions& globals, const Command& command);

}  // namespace plexus::ctl
