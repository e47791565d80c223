#pragma once

// Inbox: what the SDK's I/O thread hands to the handler thread (the one in Module::run()).
// Thread rule: push() and empty() from any thread (the I/O thread, stop()); pop() and popFor()
// from the handler thread only (asserted: the first thread that pops).

#include <chrono>
#include <condition_variable>
#include <deque>
#include <optional>
#include <string>

#include "plexus/ipc/event_batch_codec.h"
#include "plexus/ipc/thread_annotations.h"
#include "plexus/ipc/thread_checker.h"

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
      MutexLock lock(m_mutex);
      m_items.push_back(std::move(item));
    }
    m_ready.notify_one();
  }
  Incoming pop() {
    PLEXUS_ASSERT_THREAD(m_handlerThread);
    MutexLock lock(m_mutex);
    lock.wait(m_ready, [&]() PLEXUS_REQUIRES(m_mutex) { return !m_items.empty(); });
    Incoming item = std::move(m_items.front());
    m_items.pop_front();
    return item;
  }
  // Like pop(), but gives up after `timeout` (nullopt).
  std::optional<Incoming> popFor(std::chrono::microseconds timeout) {
    PLEXUS_ASSERT_THREAD(m_handlerThread);
    MutexLock lock(m_mutex);
    if (!lock.waitFor(m_ready, timeout,
                      [&]() PLEXUS_REQUIRES(m_mutex) { return !m_items.empty(); })) {
      return std::nullopt;
    }
    Incoming item = std::move(m_items.front());
    m_items.pop_front();
    return item;
  }
  bool empty() {
    MutexLock lock(m_mutex);
    return m_items.empty();
  }

 private:
  Mutex m_mutex;
  std::condition_variable m_ready;
  std::deque<Incoming> m_items PLEXUS_GUARDED_BY(m_mutex);
  ThreadChecker m_handlerThread;
};

}  // namespace plexus::sdk::detail
