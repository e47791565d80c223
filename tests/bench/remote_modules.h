#pragma once

// RemoteModules (plexus-bench --remote): the bench's modules as remote modules, over CURVE on
// loopback TCP (docs/deployment.md "A remote module"). It writes the node's key pair and one per
// module under `dir`, makes every module of `config` remote (kind REMOTE, its public key; no
// exec or restart, which the node refuses for remote modules) and gives the node a remote
// endpoint on a free 127.0.0.1 port. start() then starts each module process itself, with the
// remote environment (PLEXUS_ENDPOINT=tcp://..., PLEXUS_SERVER_KEY, PLEXUS_SECRET_KEY_FILE):
// the node does not spawn remote modules, nor stop them, so the destructor kills and reaps them.
// Thread rule: the bench's main thread only.

#include <plexus/v1/config.pb.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace plexus::bench {

class RemoteModules {
 public:
  // Throws std::runtime_error when a key pair cannot be written or no port is free.
  RemoteModules(v1::NodeConfig& config, const std::filesystem::path& dir,
                std::filesystem::path exec);
  ~RemoteModules();
  RemoteModules(const RemoteModules&) = delete;
  RemoteModules& operator=(const RemoteModules&) = delete;

  // Starts every module process (after the node is listening); throws std::runtime_error when
  // one cannot be spawned.
  void start();
  // (module id, pid) of the processes started.
  const std::vector<std::pair<std::string, int>>& pids() const { return m_pids; }

 private:
  struct Module {
    std::string id;
    std::filesystem::path secretKeyFile;
  };
  std::filesystem::path m_exec;
  std::string m_endpoint;
  std::string m_serverKey;
  std::vector<Module> m_modules;
  std::vector<std::pair<std::string, int>> m_pids;
};

}  // namespace plexus::bench
