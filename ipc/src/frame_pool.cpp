#include "plexus/ipc/frame_pool.h"

namespace plexus::ipc {

FramePool& FramePool::instance() {
  static FramePool* pool = new FramePool();  // never destroyed: frames may outlive main()
  return *pool;
}

zmq::message_t FramePool::frame(std::size_t size) {
  if (size > kBufferBytes) return zmq::message_t(size);
  char* buffer = nullptr;
  {
    MutexLock lock(m_mutex);
    if (!m_free.empty()) {
      buffer = m_free.back();
      m_free.pop_back();
    }
  }
  if (buffer == nullptr) buffer = new char[kBufferBytes];
  return zmq::message_t(buffer, size, &FramePool::release, this);
}

void FramePool::release(void* data, void* hint) {
  static_cast<FramePool*>(hint)->give(static_cast<char*>(data));
}

void FramePool::give(char* buffer) {
  {
    MutexLock lock(m_mutex);
    if (m_free.size() < kMaxPooled) {
      m_free.push_back(buffer);
      return;
    }
  }
  delete[] buffer;
}

std::size_t FramePool::pooled() {
  MutexLock lock(m_mutex);
  return m_free.size();
}

}  // namespace plexus::ipc
