#include "plexus/ipc/endpoints.h"

#include <unistd.h>

#include <cstdlib>

namespace plexus::ipc {

std::filesystem::path defaultRuntimeDir() {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (xdg != nullptr && xdg[0] != '\0') return std::filesystem::path(xdg) / "plexus";
  return std::filesystem::path("/tmp") / ("plexus-" + std::to_string(::getuid()));
}

std::filesystem::path resolveRuntimeDir(const std::string& explicitDir,
                                        const std::string& configDir) {
  if (!explicitDir.empty()) return explicitDir;
  if (!configDir.empty()) return configDir;
  return defaultRuntimeDir();
}

std::filesystem::path moduleSocketPath(const std::filesystem::path& runtimeDir) {
  return runtimeDir / "modules.sock";
}
std::filesystem::path controlSocketPath(const std::filesystem::path& runtimeDir) {
  return runtimeDir / "control.sock";
}
std::filesystem::path lockFilePath(const std::filesystem::path& runtimeDir) {
  return runtimeDir / "plexus-node.lock";
}
std::string ipcEndpoint(const std::filesystem::path& socketPath) {
  return "ipc://" + socketPath.string();
}

}  // namespace plexus::ipc
