#pragma once

// ControlServer: the operator API on the control ROUTER (control.proto). One ControlRequest in,
// one ControlResponse out, matched by correlation id. It reads the socket, refuses what is not
// a ControlRequest of our protocol major, and routes every request to the ControlHandler that
// serves its body (status_queries, module_commands, operator_publish, maintenance_requests,
// tail_sessions); a body nobody serves is answered INVALID_ARGUMENT. Every answer leaves through
// send(), stamped with the protocol version; every Error answer is counted by its code
// (rejections(): plexus_control_requests_rejected_total), as are the connections ZAP refused
// (countPeerRefused(), from the node).
// Thread rule: loop thread only (it owns the control socket).

#include <plexus/v1/control.pb.h>

#include <string>
#include <unordered_map>
#include <zmq.hpp>

#include "control/control_handler.h"
#include "metrics/control_rejections.h"
#include "plexus/ipc/thread_checker.h"
#include "runtime/event_loop.h"

namespace plexus::host {

class ControlServer final : public ControlReplier {
 public:
  // `router`: a ROUTER with ROUTER_MANDATORY (ipc::configureControlRouter), bound.
  ControlServer(zmq::socket_t& router, EventLoop& loop);

  // Routes the bodies `handler` serves to it; each body has one handler (std::logic_error).
  void add(ControlHandler& handler);
  // Puts the socket into the loop: requests are served from then on.
  void serve();
  // Serves every request waiting on the socket.
  void serveReady();

  SendStatus send(const std::string& clientId, v1::ControlResponse response) override;

  // A connection to the control socket that ZAP refused (peer not admitted).
  void countPeerRefused() { m_rejections.countPeerRefused(); }
  // The refusals since node start, by reason.
  const ControlRejections& rejections() const { return m_rejections; }

 private:
  void dispatch(const std::string& clientId, const v1::ControlRequest& request);

  zmq::socket_t& m_router;
  EventLoop& m_loop;
  std::unordered_map<int, ControlHandler*> m_handlers;  // by ControlRequest::BodyCase
  ControlRejections m_rejections;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
