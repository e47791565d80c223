#pragma once

// TempDir: a fresh directory under the system's temporary directory, removed with everything in
// it when the TempDir goes. For tests and benchmarks that need real files, and the integration
// tests' nodes (test_node.h). Keep the prefix short: a node's unix sockets live under it, and a
// socket path must stay under 108 bytes. It depends on no other static object, so a static
// TempDir is safe (support/isolated_state_home.cpp).

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace plexus::test {

class TempDir {
 public:
  // The directory's name starts with `prefix` (mkdtemp adds six random characters).
  explicit TempDir(const std::string& prefix = "px-") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp: " + pattern);
    m_path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path file(const std::string& name) const { return m_path / name; }
  std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

 private:
  std::filesystem::path m_path;
};

}  // namespace plexus::test
