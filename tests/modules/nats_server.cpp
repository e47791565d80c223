#include "nats_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_get.h"
#include "test_node.h"

namespace plexus::test {

namespace {
bool accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}
}  // namespace

std::filesystem::path NatsServer::binary() {
  for (const char* path : {"/usr/sbin/nats-server", "/usr/bin/nats-server"}) {
    if (std::filesystem::exists(path)) return path;
  }
  return {};
}

NatsServer::NatsServer() : m_port(freeLoopbackPort()) {
  start();
}

void NatsServer::start() {
  // exec: the SIGKILL of SpawnedProcess reaches nats-server itself.
  m_process = std::make_unique<SpawnedProcess>(std::vector<std::string>{
      "/bin/sh", "-c",
      "exec " + binary().string() + " -js -a 127.0.0.1 -p " + std::to_string(m_port) + " -sd " +
          (m_dir / "store").string() + " >>" + logFile().string() + " 2>&1"});
}

void NatsServer::kill() {
  m_process.reset();
}

bool NatsServer::waitReady(std::chrono::milliseconds timeout) {
  return waitFor([&] { return accepts(m_port); }, timeout, std::chrono::milliseconds(20));
}

}  // namespace plexus::test
