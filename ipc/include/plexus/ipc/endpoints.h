#pragma once

// Where a node's sockets live. Resolution order (docs/config.md, runtime_dir): an explicit
// directory, then the config's runtime_dir (plexus-node only), then $XDG_RUNTIME_DIR/plexus, then
// /tmp/plexus-$UID.

#include <filesystem>
#include <string>

namespace plexus::ipc {

std::filesystem::path defaultRuntimeDir();
// First non-empty of `explicitDir`, `configDir`, defaultRuntimeDir().
std::filesystem::path resolveRuntimeDir(const std::string& explicitDir,
                                        const std::string& configDir = {});

std::filesystem::path moduleSocketPath(const std::filesystem::path& runtimeDir);
std::filesystem::path controlSocketPath(const std::filesystem::path& runtimeDir);
std::filesystem::path lockFilePath(const std::filesystem::path& runtimeDir);
std::string ipcEndpoint(const std::filesystem::path& socketPath);  // "ipc://" + path

}  // namespace plexus::ipc
