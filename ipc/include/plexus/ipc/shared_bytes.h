#pragma once

// SharedBytes: an immutable, reference-counted byte buffer. An event body is serialized once
// into one of these and then shared by every subscriber's channel; copying is an atomic
// increment. Thread rule: the writer fills it through mutableData() before sharing it; after
// the first copy it is read-only, and copies may move between threads.

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace plexus::ipc {

class SharedBytes {
 public:
  SharedBytes() = default;

  static SharedBytes allocate(std::size_t size) {
    SharedBytes b;
    b.m_data = std::make_shared_for_overwrite<char[]>(size == 0 ? 1 : size);
    b.m_size = size;
    return b;
  }
  static SharedBytes copyOf(std::string_view bytes) {
    SharedBytes b = allocate(bytes.size());
    if (!bytes.empty()) std::memcpy(b.m_data.get(), bytes.data(), bytes.size());
    return b;
  }

  const char* data() const { return m_data.get(); }
  char* mutableData() { return m_data.get(); }
  std::size_t size() const { return m_size; }
  bool empty() const { return m_size == 0; }
  std::string_view view() const { return {m_data.get(), m_size}; }
  long useCount() const { return m_data.use_count(); }

 private:
  std::shared_ptr<char[]> m_data;
  std::size_t m_size = 0;
};

}  // namespace plexus::ipc
