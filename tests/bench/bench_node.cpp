#include "bench_node.h"

#include <future>
#include <stdexcept>

namespace plexus::bench {

BenchNode::BenchNode(const v1::NodeConfig& config, const std::filesystem::path& runtimeDir,
                     ipc::BodyLayout layout) {
  std::promise<host::Node*> started;
  auto startedFuture = started.get_future();
  m_thread = std::thread([&] {
    try {
      host::Node::Options nodeOptions;
      nodeOptions.config = config;
      nodeOptions.runtimeDir = runtimeDir;
      nodeOptions.bodyLayout = layout;
      host::Node node(std::move(nodeOptions));
      started.set_value(&node);
      node.run();
    } catch (...) {
      started.set_exception(std::current_exception());
    }
  });
  try {
    m_node = startedFuture.get();
  } catch (const std::exception& e) {
    m_thread.join();
    throw std::runtime_error(std::string("cannot start the node: ") + e.what());
  }
  m_control = std::make_unique<ctl::ControlClient>(runtimeDir);
}

BenchNode::~BenchNode() {
  if (m_node != nullptr) m_node->requestShutdown();
  if (m_thread.joinable()) m_thread.join();
}

}  // namespace plexus::bench
