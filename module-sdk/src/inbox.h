#pragma once

// Inbox: what the SDK's I/O thread hands to the handler thread (the one in Module::run()).
// Thread rule: push() from any thread (the I/O thread, stop()); pop() from the handler thread.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "plexus/ipc/event_batch_codec.h"

namespace plexus::sdk::detail {

struct Incoming {
  enum class Kind {
    Batch,         // events to dispatch
    SubscribeAck,  // the node accepted the Subscribe
    HostError,     // an Error without correlation id (e.g. refused Subscribe)
    HostGoodbye,   // the node unloads this module
    Stop,          // stop() was called
    HostLost,      // the connection to the node is gone
  };
  Kind kind = Kind::Batch;
  ipc::ReceivedBatch batch;
  std::string message;
};

class Inbox {
 public:
  void push(Incoming item) {
    {
      std::lock_guard lock(m_mutex);
      m_items.push_back(std::move(item));
    }
    m_ready.notify_one();
  }
  Incoming pop() {
    std::unique_lock lock(m_mutex);
    m_ready.wait(lock, [&] { return !m_items.empty(); });
    Incoming item = std::move(m_items.front());
    m_items.pop_front();
    return item;
  }
  // Like pop(), but gives up after `timeout` (nullopt).
  std::optional<Incoming> popFor(std::chrono::microseconds timeout) {
    std::unique_lock lock(m_mutex);
    if (!m_ready.wait_for(lock, timeout, [&] { return !m_items.empty(); })) return std::nullopt;
    Incoming item = std::move(m_items.front());
    m_items.pop_front();
    return item;
  }
  bool empty() {
    std::lock_guard lock(m_mutex);
    return m_items.empty();
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_ready;
  std::deque<Incoming> m_items;
};

}  // namespace plexus::sdk::detail
