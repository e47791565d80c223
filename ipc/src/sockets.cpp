#include "plexus/ipc/sockets.h"

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "plexus/ipc/protocol.h"

namespace plexus::ipc {

namespace {

void enforceZapDomain(zmq::socket_t& socket, const char* domain) {
  socket.set(zmq::sockopt::zap_domain, domain);
  int on = 1;
  if (zmq_setsockopt(socket.handle(), kZmqZapEnforceDomain, &on, sizeof on) != 0) {
    throw zmq::error_t();
  }
}

}  // namespace

void configureModuleRouter(zmq::socket_t& router, std::uint64_t maxMessageBytes) {
  enforceZapDomain(router, kModuleZapDomain);
  router.set(zmq::sockopt::plain_server, 1);
  router.set(zmq::sockopt::router_mandatory, 1);
  router.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(maxMessageBytes));
  // Credit bounds what the host sends per module; the HWM only has to be large enough never to
  // bite in normal operation (a full pipe is EAGAIN, retried, never a silent drop).
  router.set(zmq::sockopt::sndhwm, 100000);
  router.set(zmq::sockopt::rcvhwm, 100000);
  router.set(zmq::sockopt::linger, 0);
}

void configureControlRouter(zmq::socket_t& router) {
  enforceZapDomain(router, kControlZapDomain);
  router.set(zmq::sockopt::router_mandatory, 1);
  router.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(kDefaultMaxMessageBytes));
  // Final answers (a tail's NodeShutdownCompleted) may leave during up to 200 ms at close.
  router.set(zmq::sockopt::linger, 200);
}

void configureModuleDealer(zmq::socket_t& dealer, const std::string& moduleId,
                           const std::string& token) {
  dealer.set(zmq::sockopt::routing_id, moduleId);
  dealer.set(zmq::sockopt::plain_username, moduleId);
  dealer.set(zmq::sockopt::plain_password, token);
  dealer.set(zmq::sockopt::immediate, 1);
  dealer.set(zmq::sockopt::sndhwm, 100000);
  dealer.set(zmq::sockopt::rcvhwm, 100000);
  dealer.set(zmq::sockopt::linger, 200);
}

void bindPrivate(zmq::socket_t& router, const std::string& socketPath) {
  if (socketPath.size() >= sizeof(sockaddr_un{}.sun_path)) {
    throw std::runtime_error("socket path '" + socketPath + "' is longer than " +
                             std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                             " bytes; choose a shorter runtime dir");
  }
  ::unlink(socketPath.c_str());  // a stale socket of a dead node (we hold the lock)
  router.bind("ipc://" + socketPath);
  if (::chmod(socketPath.c_str(), 0600) != 0) {
    throw std::runtime_error("cannot chmod 0600 " + socketPath);
  }
}

void bindForGroup(zmq::socket_t& router, const std::string& socketPath, gid_t gid) {
  bindPrivate(router, socketPath);
  if (::chown(socketPath.c_str(), static_cast<uid_t>(-1), gid) != 0) {
    throw std::runtime_error("cannot give " + socketPath + " to group " + std::to_string(gid) +
                             ": " + std::strerror(errno));
  }
  if (::chmod(socketPath.c_str(), 0660) != 0) {
    throw std::runtime_error("cannot chmod 0660 " + socketPath);
  }
}

}  // namespace plexus::ipc
