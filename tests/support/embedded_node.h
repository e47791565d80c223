#pragma once

// EmbeddedNode: plexus-node run in this process on a thread of its own (it spawns the modules
// from that thread, so it lives as long as they do), for plexus-bench and the tests of
// Node::publisher(). The constructor returns once the node is built (its sockets bound) and
// rethrows what the constructor threw; the destructor shuts it down and joins the thread.

#include <exception>
#include <future>
#include <thread>

#include "plexus/host/node.h"

namespace plexus::test {

class EmbeddedNode {
 public:
  explicit EmbeddedNode(host::Node::Options options) {
    std::promise<host::Node*> started;
    auto startedFuture = started.get_future();
    m_thread = std::thread([&started, options = std::move(options)]() mutable {
      try {
        host::Node node(std::move(options));
        started.set_value(&node);
        node.run();
      } catch (...) {
        started.set_exception(std::current_exception());
      }
    });
    try {
      m_node = startedFuture.get();
    } catch (...) {
      m_thread.join();
      throw;
    }
  }
  ~EmbeddedNode() {
    m_node->requestShutdown();
    m_thread.join();
  }
  EmbeddedNode(const EmbeddedNode&) = delete;
  EmbeddedNode& operator=(const EmbeddedNode&) = delete;

  host::Node& node() { return *m_node; }

 private:
  std::thread m_thread;
  host::Node* m_node = nullptr;
};

}  // namespace plexus::test
