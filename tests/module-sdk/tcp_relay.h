#pragma once

// TcpRelay: forwards TCP connections from a port of its own on 127.0.0.1 to a target port, byte
// for byte, until freeze(): then the connections it holds stay open but nothing passes either
// way, as with a peer that stopped (SIGSTOP) or a cut cable; later connections are forwarded
// again. For the SDK's detection of a silent node (ZMTP heartbeats), which closing a socket
// cannot show.
// Thread rule: a thread of its own moves the bytes; port() and freeze() from any thread.

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace plexus::sdk::test {

class TcpRelay {
 public:
  explicit TcpRelay(std::uint16_t targetPort);
  ~TcpRelay();
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;

  std::uint16_t port() const { return m_port; }
  // The connections open now stop passing bytes (kept open until the relay goes).
  void freeze();

 private:
  struct Pair {
    int client = -1;
    int server = -1;
    bool frozen = false;
  };
  void run();
  void accept();
  // Moves what `from` has to `to`; false at the end of the connection (or an error).
  static bool forward(int from, int to);

  std::uint16_t m_target;
  std::uint16_t m_port = 0;
  int m_listen = -1;
  int m_wake[2] = {-1, -1};  // a pipe: freeze() and the destructor wake the thread
  std::atomic<bool> m_freeze{false};
  std::atomic<bool> m_stop{false};
  std::vector<Pair> m_pairs;  // the relay's thread's
  std::thread m_thread;
};

}  // namespace plexus::sdk::test
