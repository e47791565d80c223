#include "config/remote_config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

#include "plexus/ipc/curve_keys.h"

namespace plexus::host {

namespace {

Error invalid(const std::string& message) {
  return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, message);
}

bool isHostName(std::string_view host) {
  if (host == "*") return true;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return std::all_of(host.begin() + 1, host.end() - 1, [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
    });
  }
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
  });
}

}  // namespace

Status checkRemoteListen(std::string_view listen) {
  const std::string text(listen);
  const std::string usage = "remote.listen '" + text +
                            "' must be tcp://HOST:PORT with an explicit port (e.g. "
                            "tcp://0.0.0.0:7400): ";
  constexpr std::string_view kScheme = "tcp://";
  if (listen.substr(0, kScheme.size()) != kScheme) {
    return invalid(usage + "remote modules connect over TCP only");
  }
  const auto rest = listen.substr(kScheme.size());
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) return invalid(usage + "no port");
  const auto host = rest.substr(0, colon);
  const auto port = rest.substr(colon + 1);
  if (!isHostName(host)) return invalid(usage + "the host is not a name or an address");
  unsigned value = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || error != std::errc() || end != port.data() + port.size() || value == 0 ||
      value > 65535) {
    return invalid(usage + "the port must be a number from 1 to 65535 (no wildcard)");
  }
  return {};
}

Status checkModuleKind(const v1::ModuleConfig& module, const std::string& where) {
  if (!v1::ModuleKind_IsValid(module.kind())) {
    return invalid(where + "kind " + std::to_string(module.kind()) + " is unknown");
  }
  if (!isRemoteModule(module)) {
    if (!module.public_key().empty()) {
      return invalid(where +
                     "public_key is for remote modules (kind: MODULE_KIND_REMOTE) only; a local "
                     "module is authenticated by its one-time token");
    }
    return {};
  }
  if (module.public_key().empty()) {
    return invalid(where + "a remote module needs its public_key (plexusctl keygen writes it)");
  }
  if (auto status = ipc::checkZ85Key(module.public_key(), "public_key"); !status) {
    return invalid(where + status.error().message);
  }
  // The node does not spawn a remote module: what only applies to a child process is refused.
  const std::pair<bool, const char*> refused[] = {
      {!module.exec().empty(), "exec (the node does not spawn it)"},
      {module.args_size() > 0, "args (the node does not spawn it)"},
      {module.has_limits(), "limits (rlimits apply to the node's children only)"},
      {module.restart() != v1::RESTART_POLICY_UNSPECIFIED,
       "restart (the node cannot restart it; its SDK reconnects)"},
      {module.disabled(), "disabled (remote modules cannot be loaded yet)"},
  };
  for (const auto& [set, field] : refused) {
    if (set) return invalid(where + "a remote module takes no " + field);
  }
  return {};
}

Status checkRemote(const v1::NodeConfig& config) {
  if (config.has_remote()) {
    if (auto status = checkRemoteListen(config.remote().listen()); !status) return status;
    const auto& keyFile = config.remote().secret_key_file();
    if (keyFile.empty()) {
      return invalid(
          "remote.secret_key_file is required: the node's CURVE secret key "
          "(plexusctl keygen NAME writes NAME.key)");
    }
    if (keyFile.front() != '/') {
      return invalid("remote.secret_key_file '" + keyFile + "' must be an absolute path");
    }
  }
  std::map<std::string, std::string> owners;  // public key -> module
  for (const auto& module : config.module()) {
    if (!isRemoteModule(module)) continue;
    if (!config.has_remote()) {
      return invalid("module '" + module.name() +
                     "': a remote module needs a remote { listen secret_key_file } block");
    }
    const auto [it, inserted] = owners.emplace(module.public_key(), module.name());
    if (!inserted) {
      return invalid("module '" + module.name() + "': public_key is already module '" + it->second +
                     "''s (a key maps to exactly one module)");
    }
  }
  return {};
}

Status checkRemoteSecretKey(const v1::NodeConfig& config) {
  if (!config.has_remote()) return {};
  if (auto status = ipc::requireCurve(); !status) return status;
  auto key = ipc::readSecretKeyFile(config.remote().secret_key_file());
  if (!key) return makeError(key.error().code, "remote.secret_key_file: " + key.error().message);
  return {};
}

}  // namespace plexus::host
