#pragma once

// NatsServer: Debian's real `nats-server -js` started by a test on a loopback port of its own,
// its JetStream storage in a temporary directory that outlives kill()/start() (a restart keeps
// the streams and consumers), its log appended to nats.log there; killed when the object goes,
// pass or fail. available() says whether the binary is installed (tests skip without it).
// Thread rule: one thread.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "spawned_process.h"
#include "temp_dir.h"

namespace plexus::test {

class NatsServer {
 public:
  static std::filesystem::path binary();  // /usr/sbin/nats-server (or /usr/bin), empty if absent
  static bool available() { return !binary().empty(); }

  NatsServer();  // starts it
  void start();  // again after kill(): same port and storage
  void kill();   // SIGKILL
  // Waits until the port accepts connections.
  bool waitReady(std::chrono::milliseconds timeout);

  std::uint16_t port() const { return m_port; }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(m_port); }
  std::filesystem::path logFile() const { return m_dir / "nats.log"; }

 private:
  TempDir m_dir{"pxnats"};
  std::uint16_t m_port;
  std::unique_ptr<SpawnedProcess> m_process;
};

}  // namespace plexus::test
