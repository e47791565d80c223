#include "runtime/runtime_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "plexus/ipc/endpoints.h"

namespace plexus::host {

Result<RuntimeDir> RuntimeDir::acquire(const std::filesystem::path& path,
                                       std::optional<gid_t> group) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    return makeError(v1::ERROR_CODE_INTERNAL,
                     "cannot create runtime dir '" + path.string() + "': " + ec.message());
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return makeError(v1::ERROR_CODE_INTERNAL, "'" + path.string() + "' is not a directory");
  }
  if (info.st_uid != ::getuid()) {
    return makeError(v1::ERROR_CODE_PERMISSION_DENIED,
                     "runtime dir '" + path.string() + "' belongs to another user");
  }
  if (group && ::chown(path.c_str(), static_cast<uid_t>(-1), *group) != 0) {
    return makeError(v1::ERROR_CODE_PERMISSION_DENIED, "cannot give runtime dir '" + path.string() +
                                                           "' to group " + std::to_string(*group) +
                                                           ": " + std::strerror(errno));
  }
  const mode_t mode = group ? 0750 : 0700;
  if (::chmod(path.c_str(), mode) != 0) {
    return makeError(v1::ERROR_CODE_INTERNAL, std::string("cannot chmod ") +
                                                  (group ? "0750" : "0700") + " '" + path.string() +
                                                  "': " + std::strerror(errno));
  }
  const auto lockPath = ipc::lockFilePath(path);
  int fd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return makeError(v1::ERROR_CODE_INTERNAL,
                     "cannot open lock file '" + lockPath.string() + "': " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::string holder;
    std::ifstream(lockPath) >> holder;
    ::close(fd);
    return makeError(v1::ERROR_CODE_ALREADY_EXISTS,
                     "another plexus-node is running on runtime dir '" + path.string() + "'" +
                         (holder.empty() ? "" : " (pid " + holder + ")"));
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    ::close(fd);
    return makeError(v1::ERROR_CODE_INTERNAL, "cannot write lock file '" + lockPath.string() + "'");
  }
  return RuntimeDir(path, fd);
}

RuntimeDir::RuntimeDir(RuntimeDir&& other) noexcept
    : m_path(std::move(other.m_path)), m_lockFd(std::exchange(other.m_lockFd, -1)) {}

RuntimeDir::~RuntimeDir() {
  if (m_lockFd < 0) return;
  ::unlink(ipc::moduleSocketPath(m_path).c_str());
  ::unlink(ipc::controlSocketPath(m_path).c_str());
  ::unlink(ipc::lockFilePath(m_path).c_str());  // still holding the lock: no race
  ::close(m_lockFd);
}

}  // namespace plexus::host
