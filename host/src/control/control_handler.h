#pragma once

// The two sides of the operator API's dispatch (control.proto):
// - ControlReplier: how an answer goes back to an operator's connection. The ControlServer
//   implements it; unit tests of the handlers record with a fake.
// - ControlHandler: one operator concern (status queries, module commands, publish,
//   maintenance, tail). It names the request bodies it serves; the ControlServer routes each
//   request to the one handler of its body. A handler answers every request it is given, now
//   or when what was asked happened (a load once the module is ready).
// Thread rule: loop thread only, like the control socket.

#include <plexus/v1/control.pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "plexus/ipc/result.h"
#include "runtime/send_status.h"

namespace plexus::host {

class ControlReplier {
 public:
  virtual ~ControlReplier() = default;
  // Sends `response`, stamped with our protocol version, to a client connection: Unreachable
  // when it is gone, WouldBlock when it does not read (its problem, never the loop's).
  virtual SendStatus send(const std::string& clientId, v1::ControlResponse response) = 0;

  void reply(const std::string& clientId, v1::ControlResponse response) {
    (void)send(clientId, std::move(response));
  }
  // An Error body; the correlation id is set on both the response and the error.
  void replyError(const std::string& clientId, std::uint64_t correlationId, const Error& error);
};

// An empty response to `request`: its correlation id set, no body yet.
v1::ControlResponse responseTo(const v1::ControlRequest& request);

class ControlHandler {
 public:
  virtual ~ControlHandler() = default;
  virtual std::vector<v1::ControlRequest::BodyCase> bodies() const = 0;
  virtual void handle(const std::string& clientId, const v1::ControlRequest& request) = 0;
};

}  // namespace plexus::host
