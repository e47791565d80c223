#pragma once

// Node: plexus-node as one object. It owns the runtime dir and its lock, the ZeroMQ context,
// the sockets (ZAP handler, module ROUTER, control ROUTER), the EventManager, the Supervisor,
// the protocol servers and the output pump, and runs them all on one loop thread.
// Thread rule: construct, run() and destroy on one thread (the loop thread; PR_SET_PDEATHSIG of
// the modules follows it). requestShutdown() and publisher() from any thread.

#include <plexus/v1/config.pb.h>

#include <filesystem>
#include <memory>

#include "plexus/host/publisher.h"
#include "plexus/ipc/event_batch_codec.h"

namespace plexus::host {

class Node {
 public:
  struct Options {
    v1::NodeConfig config;             // validated; defaults are applied by the node
    std::filesystem::path runtimeDir;  // resolved (ipc::resolveRuntimeDir)
    ipc::BodyLayout bodyLayout = ipc::BodyLayout::Packed;
    // SIGINT/SIGTERM/SIGHUP -> graceful shutdown (a second one: immediate). The caller must
    // have blocked the three signals in every thread before constructing the node.
    bool handleSignals = false;
    std::filesystem::path moduleDir;  // relative module execs resolve here; default: ours
    // A config.metrics_listen that cannot be bound only warns (the embedded default config)
    // instead of failing the start.
    bool metricsOptional = false;
  };

  // Takes the runtime dir and binds the sockets; throws std::runtime_error with a clear message.
  explicit Node(Options options);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Starts the configured modules and runs until a shutdown completed. Returns the exit status:
  // 0 once a shutdown completed (whatever the modules did), 1 when the loop failed (the
  // exception is logged; the modules still running die with the node).
  int run();
  void requestShutdown();
  Publisher& publisher();

 private:
  class Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace plexus::host
