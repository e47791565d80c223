#pragma once

// ZAP (ZeroMQ RFC 27) authentication for both node sockets.
// - Module ROUTER (domain plexus-modules, PLAIN): username = module id, password = the one-time
//   token issued for that spawned child. Accepted only when the token matches and is unused,
//   the connecting process is that child (pid from SO_PEERCRED) and runs as the host's uid.
//   The token is burnt on success; User-Id = module id.
// - Control ROUTER (domain plexus-control, NULL): accepted from the host's uid and, with a
//   ControlGroup (NodeConfig.control_group), from members of that group: the peer's gid (from
//   SO_PEERCRED) is the group's, or the group is among the groups of the peer uid's account
//   (getgrouplist: supplementary groups are not in the peer's credentials).
// - Remote ROUTER (domain plexus-remote, CURVE only): the client's public key must be one of the
//   configured remote modules' keys (setRemoteKeys); User-Id = the ONE module id of that key.
// Any other domain or mechanism is refused, so the sockets fail closed.
// Thread rule: ModuleCredentials and ZapAuthenticator belong to the node's loop thread, which
// issues tokens, spawns children and serves ZAP requests (their methods assert it).

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "plexus/ipc/thread_checker.h"

namespace plexus::ipc {

struct ZapRequest {
  std::string requestId;
  std::string domain;
  std::string address;
  std::string mechanism;
  std::string username;  // PLAIN: the username; CURVE: the client's public key, Z85
  std::string password;
};

struct ZapVerdict {
  bool accepted = false;
  std::string userId;  // set when accepted
  std::string reason;  // why refused (or "OK")
};

struct PeerCredentials {
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t pid = 0;
};

// Parses the ipc peer address libzmq passes to ZAP: "<host>:uid:gid:pid".
std::optional<PeerCredentials> parsePeerAddress(const std::string& address);

// The control socket's second audience: the members of one group.
struct ControlGroup {
  gid_t gid = 0;
  // The groups of a uid's account; default accountGroups. Unit tests give a fake.
  std::function<std::vector<gid_t>(uid_t)> groupsOf;
};

// The groups of the account of `uid` (getpwuid_r + getgrouplist); empty without an account.
std::vector<gid_t> accountGroups(uid_t uid);
// The gid of the group called `name` (getgrnam_r); nullopt when there is none.
std::optional<gid_t> groupByName(const std::string& name);
// The control socket's rule: the host's uid, or a member of `group` when there is one.
bool controlAdmits(uid_t hostUid, const std::optional<ControlGroup>& group,
                   const PeerCredentials& peer);

// Parses a ZAP request's frames; nullopt when they are not a version 1.0 request.
std::optional<ZapRequest> parseZapRequest(const std::vector<zmq::message_t>& frames);

class ModuleCredentials {
 public:
  explicit ModuleCredentials(uid_t hostUid) : m_hostUid(hostUid) {}

  // A fresh token for the next incarnation of `moduleId`; replaces any earlier one.
  std::string issue(const std::string& moduleId);
  // The child that may present the token (known once it is spawned).
  void bindPid(const std::string& moduleId, pid_t pid);
  void revoke(const std::string& moduleId);
  bool hasPending(const std::string& moduleId) const;

  ZapVerdict check(const ZapRequest& request);

 private:
  struct Pending {
    std::string token;
    pid_t pid = 0;
  };
  uid_t m_hostUid;
  std::unordered_map<std::string, Pending> m_pending;
  ThreadChecker m_thread;
};

class ZapAuthenticator {
 public:
  using Observer = std::function<void(const ZapRequest&, const ZapVerdict&)>;

  // Binds inproc://zeromq.zap.01; construct before binding any ROUTER that uses it.
  ZapAuthenticator(zmq::context_t& context, ModuleCredentials& credentials, uid_t hostUid,
                   std::optional<ControlGroup> controlGroup = std::nullopt);

  zmq::socket_t& socket() { return m_socket; }
  void setObserver(Observer observer) { m_observer = std::move(observer); }
  // The remote modules: Z85 public key -> module id (one id per key).
  void setRemoteKeys(std::unordered_map<std::string, std::string> keyToModule) {
    m_remoteKeys = std::move(keyToModule);
  }

  // Serves every request waiting on the socket without blocking.
  void serveReady();

  ZapVerdict decide(const ZapRequest& request);

 private:
  zmq::socket_t m_socket;
  ModuleCredentials& m_credentials;
  uid_t m_hostUid;
  std::optional<ControlGroup> m_controlGroup;
  Observer m_observer;
  std::unordered_map<std::string, std::string> m_remoteKeys;
  ThreadChecker m_thread;
};

}  // namespace plexus::ipc
