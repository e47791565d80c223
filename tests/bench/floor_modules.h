#pragma once

// The floor tools' modules (plexus-credit-floor, plexus-hop-floor): each module is the tool's own
// executable run again as `argv0 ROLE ENDPOINT INDEX [EXTRA...]`, which connects a DEALER to the
// host's ROUTER and sends one hello; the host collects the hellos' routing ids.

#include <sys/types.h>
#include <unistd.h>

#include <string>
#include <vector>
#include <zmq.hpp>

namespace plexus::bench {

// Forks and execs `count` modules; returns their pids.
inline std::vector<pid_t> spawnModules(const char* argv0, int count, const std::string& role,
                                       const std::string& endpoint,
                                       const std::vector<std::string>& extra = {}) {
  std::vector<pid_t> children;
  for (int i = 0; i < count; ++i) {
    std::vector<std::string> args{argv0, role, endpoint, std::to_string(i)};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& arg : args)
      argv.push_back(arg.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::execv("/proc/self/exe", argv.data());
      ::_exit(1);
    }
    children.push_back(pid);
  }
  return children;
}

// Waits for `count` hellos; returns the modules' routing ids in arrival order.
inline std::vector<std::string> collectIds(zmq::socket_t& router, int count) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    zmq::message_t id;
    zmq::message_t hello;
    (void)router.recv(id);
    (void)router.recv(hello);
    ids.push_back(id.to_string());
  }
  return ids;
}

}  // namespace plexus::bench
