#include "tcp_relay.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <stdexcept>
#include <string>

namespace plexus::sdk::test {

namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

}  // namespace

TcpRelay::TcpRelay(std::uint16_t targetPort) : m_target(targetPort) {
  m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  if (m_listen < 0 || ::bind(m_listen, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(m_listen, 8) != 0 ||
      ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      ::pipe2(m_wake, O_CLOEXEC) != 0) {
    throw std::runtime_error("TcpRelay: cannot listen on 127.0.0.1");
  }
  m_port = ntohs(address.sin_port);
  m_thread = std::thread([this] { run(); });
}

TcpRelay::~TcpRelay() {
  m_stop = true;
  (void)::write(m_wake[1], "x", 1);
  m_thread.join();
  for (const Pair& pair : m_pairs) {
    ::close(pair.client);
    ::close(pair.server);
  }
  ::close(m_listen);
  ::close(m_wake[0]);
  ::close(m_wake[1]);
}

void TcpRelay::freeze() {
  m_freeze = true;
  (void)::write(m_wake[1], "x", 1);
}

void TcpRelay::accept() {
  const int client = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return;
  const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in target = loopback(m_target);
  if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
    ::close(client);
    if (server >= 0) ::close(server);
    return;
  }
  m_pairs.push_back({client, server, false});
}

bool TcpRelay::forward(int from, int to) {
  std::array<char, 65536> buffer{};
  const ssize_t got = ::read(from, buffer.data(), buffer.size());
  if (got <= 0) return false;
  for (ssize_t sent = 0; sent < got;) {
    const ssize_t n = ::write(to, buffer.data() + sent, static_cast<std::size_t>(got - sent));
    if (n <= 0) return false;
    sent += n;
  }
  return true;
}

void TcpRelay::run() {
  while (!m_stop) {
    if (m_freeze.exchange(false)) {
      for (Pair& pair : m_pairs)
        pair.frozen = true;
    }
    std::vector<pollfd> fds{{m_wake[0], POLLIN, 0}, {m_listen, POLLIN, 0}};
    std::vector<std::size_t> owners{0, 0};  // the pair of each fd from the third on
    for (std::size_t i = 0; i < m_pairs.size(); ++i) {
      if (m_pairs[i].frozen || m_pairs[i].client < 0) continue;
      fds.push_back({m_pairs[i].client, POLLIN, 0});
      fds.push_back({m_pairs[i].server, POLLIN, 0});
      owners.push_back(i);
      owners.push_back(i);
    }
    if (::poll(fds.data(), fds.size(), -1) <= 0) continue;
    if (fds[0].revents != 0) {
      char drained[16];
      (void)::read(m_wake[0], drained, sizeof drained);
    }
    if (fds[1].revents != 0) accept();
    for (std::size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      Pair& pair = m_pairs[owners[i]];
      if (pair.client < 0) continue;
      const int to = fds[i].fd == pair.client ? pair.server : pair.client;
      if (!forward(fds[i].fd, to)) {
        ::close(pair.client);
        ::close(pair.server);
        pair.client = pair.server = -1;
      }
    }
  }
}

}  // namespace plexus::sdk::test
