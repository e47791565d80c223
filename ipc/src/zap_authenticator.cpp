#include "plexus/ipc/zap_authenticator.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <zmq_addon.hpp>

#include "plexus/ipc/curve_keys.h"
#include "plexus/ipc/protocol.h"
#include "plexus/ipc/token.h"

namespace plexus::ipc {

namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";

template <class Int>
bool parseInt(std::string_view text, Int& out) {
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return false;
  out = static_cast<Int>(value);
  return true;
}

ZapVerdict refuse(std::string reason) {
  return ZapVerdict{false, {}, std::move(reason)};
}

}  // namespace

std::optional<PeerCredentials> parsePeerAddress(const std::string& address) {
  // The host part may itself contain ':' (it does not on ipc, but be strict about the tail).
  auto last = address.rfind(':');
  if (last == std::string::npos) return std::nullopt;
  auto middle = address.rfind(':', last - 1);
  if (middle == std::string::npos || middle == 0) return std::nullopt;
  auto first = address.rfind(':', middle - 1);
  if (first == std::string::npos) return std::nullopt;
  PeerCredentials creds;
  std::string_view view(address);
  if (!parseInt(view.substr(first + 1, middle - first - 1), creds.uid) ||
      !parseInt(view.substr(middle + 1, last - middle - 1), creds.gid) ||
      !parseInt(view.substr(last + 1), creds.pid) || creds.pid <= 0) {
    return std::nullopt;
  }
  return creds;
}

std::vector<gid_t> accountGroups(uid_t uid) {
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
  passwd account{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &account, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) {
    return {};
  }
  int count = 32;
  std::vector<gid_t> groups(static_cast<std::size_t>(count));
  while (::getgrouplist(account.pw_name, account.pw_gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<std::size_t>(count));  // count now says how many there are
  }
  groups.resize(static_cast<std::size_t>(count));
  return groups;
}

std::optional<gid_t> groupByName(const std::string& name) {
  long size = ::sysconf(_SC_GETGR_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
  group entry{};
  group* found = nullptr;
  while (::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) == ERANGE) {
    buffer.resize(buffer.size() * 2);
  }
  if (found == nullptr) return std::nullopt;
  return entry.gr_gid;
}

bool controlAdmits(uid_t hostUid, const std::optional<ControlGroup>& group,
                   const PeerCredentials& peer) {
  if (peer.uid == hostUid) return true;
  if (!group) return false;
  if (peer.gid == group->gid) return true;
  const auto groups = group->groupsOf ? group->groupsOf(peer.uid) : accountGroups(peer.uid);
  return std::find(groups.begin(), groups.end(), group->gid) != groups.end();
}

std::optional<ZapRequest> parseZapRequest(const std::vector<zmq::message_t>& frames) {
  // version, request id, domain, address, identity, mechanism, credentials...
  if (frames.size() < 6 || frames[0].to_string_view() != "1.0") return std::nullopt;
  ZapRequest request;
  request.requestId = frames[1].to_string();
  request.domain = frames[2].to_string();
  request.address = frames[3].to_string();
  request.mechanism = frames[5].to_string();
  if (request.mechanism == "PLAIN") {
    if (frames.size() != 8) return std::nullopt;
    request.username = frames[6].to_string();
    request.password = frames[7].to_string();
  } else if (request.mechanism == "CURVE") {
    if (frames.size() != 7 || frames[6].size() != 32) return std::nullopt;
    char z85[kZ85KeyLength + 1] = {};
    if (zmq_z85_encode(z85, frames[6].data<std::uint8_t>(), 32) == nullptr) return std::nullopt;
    request.username = z85;
  }
  return request;
}

std::string ModuleCredentials::issue(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  Pending& pending = m_pending[moduleId];
  pending.token = generateToken();
  pending.pid = 0;
  return pending.token;
}

void ModuleCredentials::bindPid(const std::string& moduleId, pid_t pid) {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto it = m_pending.find(moduleId);
  if (it != m_pending.end()) it->second.pid = pid;
}

void ModuleCredentials::revoke(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_pending.erase(moduleId);
}

bool ModuleCredentials::hasPending(const std::string& moduleId) const {
  PLEXUS_ASSERT_THREAD(m_thread);
  return m_pending.count(moduleId) != 0;
}

ZapVerdict ModuleCredentials::check(const ZapRequest& request) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (request.mechanism != "PLAIN") return refuse("module socket requires PLAIN");
  auto it = m_pending.find(request.username);
  if (it == m_pending.end()) {
    return refuse("no unused token for module '" + request.username + "'");
  }
  Pending& pending = it->second;
  if (!constantTimeEquals(pending.token, request.password)) {
    return refuse("wrong token for module '" + request.username + "'");
  }
  auto peer = parsePeerAddress(request.address);
  if (!peer) return refuse("peer credentials unavailable (address '" + request.address + "')");
  if (peer->uid != m_hostUid) {
    return refuse("peer uid " + std::to_string(peer->uid) + " is not the host's");
  }
  if (pending.pid == 0 || peer->pid != pending.pid) {
    return refuse("peer pid " + std::to_string(peer->pid) + " is not the spawned module (pid " +
                  std::to_string(pending.pid) + ")");
  }
  ZapVerdict verdict{true, request.username, "OK"};
  m_pending.erase(it);  // burnt: a token opens exactly one connection
  return verdict;
}

ZapAuthenticator::ZapAuthenticator(zmq::context_t& context, ModuleCredentials& credentials,
                                   uid_t hostUid, std::optional<ControlGroup> controlGroup)
    : m_socket(context, zmq::socket_type::rep),
      m_credentials(credentials),
      m_hostUid(hostUid),
      m_controlGroup(std::move(controlGroup)) {
  m_socket.set(zmq::sockopt::linger, 0);
  m_socket.bind(kZapEndpoint);
}

ZapVerdict ZapAuthenticator::decide(const ZapRequest& request) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (request.domain == kModuleZapDomain) return m_credentials.check(request);
  if (request.domain == kControlZapDomain) {
    if (request.mechanism != "NULL") return refuse("control socket requires NULL");
    auto peer = parsePeerAddress(request.address);
    if (!peer) return refuse("peer credentials unavailable");
    if (!controlAdmits(m_hostUid, m_controlGroup, *peer)) {
      return refuse("uid " + std::to_string(peer->uid) + " may not operate this node" +
                    (m_controlGroup ? " (not in its control group)" : ""));
    }
    return ZapVerdict{true, kOperatorSource, "OK"};
  }
  if (request.domain == kRemoteZapDomain) {
    if (request.mechanism != "CURVE") return refuse("remote endpoint requires CURVE");
    auto it = m_remoteKeys.find(request.username);
    if (it == m_remoteKeys.end()) {
      return refuse("the public key is no remote module's key");
    }
    return ZapVerdict{true, it->second, "OK"};
  }
  return refuse("unknown ZAP domain '" + request.domain + "'");
}

void ZapAuthenticator::serveReady() {
  PLEXUS_ASSERT_THREAD(m_thread);
  for (;;) {
    std::vector<zmq::message_t> frames;
    auto received =
        zmq::recv_multipart(m_socket, std::back_inserter(frames), zmq::recv_flags::dontwait);
    if (!received) return;
    auto request = parseZapRequest(frames);
    ZapVerdict verdict = request ? decide(*request) : refuse("malformed ZAP request");
    std::vector<zmq::message_t> reply;
    reply.emplace_back(std::string_view("1.0"));
    reply.emplace_back(request             ? request->requestId
                       : frames.size() > 1 ? frames[1].to_string()
                                           : std::string());
    reply.emplace_back(std::string_view(verdict.accepted ? "200" : "400"));
    reply.emplace_back(verdict.reason);
    reply.emplace_back(verdict.userId);
    reply.emplace_back();  // metadata
    zmq::send_multipart(m_socket, reply);
    if (m_observer && request) m_observer(*request, verdict);
  }
}

}  // namespace plexus::ipc
