#include "bench_node.h"

#include <stdexcept>

namespace plexus::bench {

BenchNode::BenchNode(const v1::NodeConfig& config, const std::filesystem::path& runtimeDir,
                     ipc::BodyLayout layout) {
  host::Node::Options nodeOptions;
  nodeOptions.config = config;
  nodeOptions.runtimeDir = runtimeDir;
  nodeOptions.bodyLayout = layout;
  try {
    m_node = std::make_unique<test::EmbeddedNode>(std::move(nodeOptions));
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("cannot start the node: ") + e.what());
  }
  m_control = std::make_unique<ctl::ControlClient>(runtimeDir);
}

BenchNode::~BenchNode() = default;

}  // namespace plexus::bench
