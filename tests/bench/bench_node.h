#pragma once

// BenchNode: plexus-node run in this process on its own thread (test::EmbeddedNode), with a
// control client on its runtime dir.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "embedded_node.h"
#include "plexus/ctl/control_client.h"
#include "plexus/host/node.h"
#include "plexus/ipc/event_batch_codec.h"

namespace plexus::bench {

class BenchNode {
 public:
  // Starts the node; throws std::runtime_error when it cannot start.
  BenchNode(const v1::NodeConfig& config, const std::filesystem::path& runtimeDir,
            ipc::BodyLayout layout = ipc::BodyLayout::Packed);
  ~BenchNode();  // shuts the node down
  BenchNode(const BenchNode&) = delete;
  BenchNode& operator=(const BenchNode&) = delete;

  host::Node& node() { return m_node->node(); }
  // A control request filled by `fill`; an empty response when the call failed.
  template <class Fill>
  v1::ControlResponse call(Fill fill) {
    v1::ControlRequest request;
    fill(request);
    auto response = m_control->call(request, std::chrono::seconds(10));
    return response.ok() ? *response : v1::ControlResponse();
  }

 private:
  std::unique_ptr<test::EmbeddedNode> m_node;
  std::unique_ptr<ctl::ControlClient> m_control;
};

}  // namespace plexus::bench
