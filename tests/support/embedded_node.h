#pragma once

// EmbeddedNode: plexus-node run in this process on a thread of its own (it spawns the modules
// from that thread, so it lives as long as they do), for plexus-bench and the tests of
// Node::publisher(). The constructor returns once the node is built (its sockets bound) and
// rethrows what the constructor threw; the destructor shuts it down and joins the thread. A node
// whose run() ended by itself (a control shutdown, a failed loop) is gone by then: the
// destructor asks only a node that still runs. Thread rule: construct, node() and destroy on one
// thread (the test's), running() from any; the node runs on its own.

#include <exception>
#include <future>
#include <memory>
#include <thread>

#include "plexus/host/node.h"
#include "plexus/ipc/thread_annotations.h"

namespace plexus::test {

class EmbeddedNode {
 public:
  explicit EmbeddedNode(host::Node::Options options) {
    std::promise<host::Node*> started;
    auto startedFuture = started.get_future();
    m_thread = std::thread([this, &started, options = std::move(options)]() mutable {
      std::unique_ptr<host::Node> node;
      try {
        node = std::make_unique<host::Node>(std::move(options));
      } catch (...) {
        started.set_exception(std::current_exception());
        return;
      }
      {
        MutexLock lock(m_mutex);
        m_running = true;
      }
      started.set_value(node.get());  // `started` is the constructor's: not touched after this
      (void)node->run();
      MutexLock lock(m_mutex);
      m_running = false;  // the node is destroyed once the destructor cannot reach it
    });
    try {
      m_node = startedFuture.get();
    } catch (...) {
      m_thread.join();
      throw;
    }
  }
  ~EmbeddedNode() {
    {
      MutexLock lock(m_mutex);
      if (m_running) m_node->requestShutdown();
    }
    m_thread.join();
  }
  EmbeddedNode(const EmbeddedNode&) = delete;
  EmbeddedNode& operator=(const EmbeddedNode&) = delete;

  host::Node& node() { return *m_node; }
  // The node's run() has not returned yet.
  bool running() {
    MutexLock lock(m_mutex);
    return m_running;
  }

 private:
  std::thread m_thread;
  host::Node* m_node = nullptr;
  Mutex m_mutex;
  bool m_running PLEXUS_GUARDED_BY(m_mutex) = false;  // run() has not returned
};

}  // namespace plexus::test
