#pragma once

// FramePool: recycles the buffers of outgoing packed body frames. A fresh ~30 KB buffer per
// batch, allocated on the sending thread and freed on ZeroMQ's I/O thread, makes glibc trim and
// regrow the sender's arena (mprotect and page faults on every batch); recycled buffers do not.
// The pool lives for the whole process, so a frame still queued in ZeroMQ at shutdown can always
// be returned. Thread rule: frame() from any thread; buffers come back from ZeroMQ's I/O thread.

#include <cstddef>
#include <vector>
#include <zmq.hpp>

#include "plexus/ipc/thread_annotations.h"

namespace plexus::ipc {

class FramePool {
 public:
  static constexpr std::size_t kBufferBytes = std::size_t{64} * 1024;
  static constexpr std::size_t kMaxPooled = 64;  // at most 4 MiB kept for reuse

  static FramePool& instance();

  // A frame of `size` bytes to fill through data(); pooled when it fits in a buffer.
  zmq::message_t frame(std::size_t size);

  std::size_t pooled();

 private:
  FramePool() = default;
  static void release(void* data, void* hint);
  void give(char* buffer);

  Mutex m_mutex;
  std::vector<char*> m_free PLEXUS_GUARDED_BY(m_mutex);
};

}  // namespace plexus::ipc
