#include "remote_modules.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "plexus/ipc/curve_keys.h"

extern char** environ;

namespace plexus::bench {

namespace {

// A TCP port on 127.0.0.1 that was free a moment ago (the node binds it right after).
int freeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("no free port on 127.0.0.1");
  return ntohs(address.sin_port);
}

ipc::KeyPairFiles keyPair(const std::filesystem::path& dir, const std::string& name) {
  auto pair = ipc::writeKeyPair(dir, name);
  if (!pair) throw std::runtime_error(pair.error().message);
  return *pair;
}

}  // namespace

RemoteModules::RemoteModules(v1::NodeConfig& config, const std::filesystem::path& dir,
                             std::filesystem::path exec)
    : m_exec(std::move(exec)) {
  const auto keys = dir / "keys";
  std::filesystem::create_directories(keys);
  const auto node = keyPair(keys, "node");
  m_serverKey = node.publicKey;
  m_endpoint = "tcp://127.0.0.1:" + std::to_string(freeLoopbackPort());
  config.mutable_remote()->set_listen(m_endpoint);
  config.mutable_remote()->set_secret_key_file(node.secretFile.string());
  for (auto& module : *config.mutable_module()) {
    const auto pair = keyPair(keys, module.name());
    module.set_kind(v1::MODULE_KIND_REMOTE);
    module.set_public_key(pair.publicKey);
    module.clear_exec();
    module.clear_restart();
    m_modules.push_back({module.name(), pair.secretFile});
  }
}

void RemoteModules::start() {
  for (const auto& module : m_modules) {
    std::vector<std::string> variables = {
        "PLEXUS_MODULE_ID=" + module.id, "PLEXUS_ENDPOINT=" + m_endpoint,
        "PLEXUS_SERVER_KEY=" + m_serverKey,
        "PLEXUS_SECRET_KEY_FILE=" + module.secretKeyFile.string()};
    std::vector<char*> env;
    env.reserve(variables.size() + 64);
    for (auto& variable : variables)
      env.push_back(variable.data());
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::strncmp(*e, "PLEXUS_", 7) != 0) env.push_back(*e);
    }
    env.push_back(nullptr);
    std::string path = m_exec.string();
    char* argv[] = {path.data(), nullptr};
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    pid_t pid = 0;
    const int error = ::posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, env.data());
    ::posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
      throw std::runtime_error("cannot start " + path + ": " + std::strerror(error));
    }
    m_pids.emplace_back(module.id, pid);
  }
}

RemoteModules::~RemoteModules() {
  for (const auto& [id, pid] : m_pids)
    ::kill(pid, SIGKILL);
  for (const auto& [id, pid] : m_pids) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

}  // namespace plexus::bench
