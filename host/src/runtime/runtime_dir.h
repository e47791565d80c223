#pragma once

// RuntimeDir: the node's directory for its sockets, created 0700 (0750 and owned by `group` when
// the control socket is shared with one: NodeConfig.control_group), and the single-instance lock
// (flock on plexus-node.lock, which also records the holder's pid). A second node on the same
// directory is refused with the pid of the first; sockets of a dead node are replaced.
// Thread rule: created and destroyed on the thread that owns the node.

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "plexus/ipc/result.h"

namespace plexus::host {

class RuntimeDir {
 public:
  static Result<RuntimeDir> acquire(const std::filesystem::path& path,
                                    std::optional<gid_t> group = std::nullopt);
  RuntimeDir(RuntimeDir&& other) noexcept;
  RuntimeDir& operator=(RuntimeDir&&) = delete;
  ~RuntimeDir();  // removes the sockets and the lock file, releases the lock

  const std::filesystem::path& path() const { return m_path; }

 private:
  RuntimeDir(std::filesystem::path path, int lockFd) : m_path(std::move(path)), m_lockFd(lockFd) {}
  std::filesystem::path m_path;
  int m_lockFd = -1;
};

}  // namespace plexus::host
