#pragma once

// ControlServer: the operator API on the control ROUTER (control.proto). One ControlRequest in,
// one ControlResponse out, matched by correlation id. Replies that depend on something
// happening later (a publish waiting for block subscribers, a load waiting for readiness, an
// unload waiting for the exit) are sent when it happened. An operator publish of N events is
// pumped in chunks through the loop, so flushes and acks interleave with it.
// Thread rule: loop thread only (it owns the control socket).

#include <plexus/v1/control.pb.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <zmq.hpp>

#include "delivery/event_manager.h"
#include "runtime/event_loop.h"
#include "supervision/module_directory.h"

namespace plexus::host {

class ControlServer final : public PublishWaiter {
 public:
  struct NodeStatus {
    std::chrono::steady_clock::time_point startedAt;
    std::filesystem::path runtimeDir;
  };
  // Requests that belong to the node rather than to this server (maintenance, tail).
  using Extension = std::function<bool(const std::string& clientId, const v1::ControlRequest&)>;

  ControlServer(zmq::socket_t& router, EventLoop& loop, EventManager& events,
                ModuleDirectory& modules, NodeStatus status);
  ~ControlServer();

  void setExtension(Extension extension) { m_extension = std::move(extension); }

  // Serves every request waiting on the socket.
  void serveReady();
  // Sends a response to a client connection; Unreachable when it is gone.
  SendStatus send(const std::string& clientId, v1::ControlResponse response);
  void reply(const std::string& clientId, v1::ControlResponse response) {
    (void)send(clientId, std::move(response));
  }
  void replyError(const std::string& clientId, std::uint64_t correlationId, const Error& error);

  void onPublishDone(std::uint64_t token, const PublishReport& report) override;

 private:
  struct OperatorPublish;
  void handle(const std::string& clientId, const v1::ControlRequest& request);
  void startPublish(const std::string& clientId, const v1::ControlRequest& request);
  void pump(std::uint64_t publishId);
  v1::ControlResponse responseTo(const v1::ControlRequest& request) const;

  zmq::socket_t& m_router;
  EventLoop& m_loop;
  EventManager& m_events;
  ModuleDirectory& m_modules;
  NodeStatus m_status;
  Extension m_extension;
  std::unordered_map<std::uint64_t, std::unique_ptr<OperatorPublish>> m_publishes;
  std::uint64_t m_nextPublish = 1;
};

}  // namespace plexus::host
