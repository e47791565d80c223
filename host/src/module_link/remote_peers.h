#pragma once

// RemotePeers: who is who on the remote modules' CURVE ROUTER (docs/design.md "Remote modules"),
// and the node's one ModuleTransport over both module ROUTERs.
// - Sends: a remote module's id goes to the routing id its accepted connection uses (`remote`,
//   which addresses peers by routing id); every other id to `local`. A remote module with no
//   connection is Unreachable.
// - Receives (route): the module is the ZAP User-Id (the ONE id configured with the client's
//   key), whatever routing id the peer picked. The id's bound connection's messages go to the
//   ModuleServer as they come (it decodes them: one decode per message). A Handshake there is
//   the registry's: without handover a routing id is reused only by a new connection after the
//   old one closed (the SDKs use the module id), so the supervisor replaces the old incarnation.
//   From another connection only a Handshake is
//   looked at (decoded here): it binds the id to that connection when the id has no live
//   connection (the registry says it is not handshaken); its module_id must be that id (else
//   Error PERMISSION_DENIED). A Handshake from a second connection while the first is live is
//   answered Error UNAVAILABLE ("connected from <addr>") and refused; the old connection keeps
//   working. Anything else from a connection that is not the id's bound one is ignored.
//   Accepted messages go to the ModuleServer as from the module id.
// A quick reconnect after a partition is therefore refused until liveness finds the old
// connection dead. Refusals are logged rate-limited per module and kind.
// Thread rule: loop thread only.

#include <plexus/v1/wire.pb.h>

#include <string>
#include <unordered_map>
#include <unordered_set>

#include "module_link/module_registry.h"
#include "module_link/module_server.h"
#include "module_link/module_transport.h"
#include "plexus/ipc/thread_checker.h"
#include "runtime/rate_limited_log.h"

namespace plexus::host {

class RemotePeers final : public ModuleTransport {
 public:
  // `remote` may be null (no remote endpoint): then no id is remote.
  RemotePeers(ModuleTransport& local, ModuleTransport* remote,
              std::unordered_set<std::string> remoteIds);

  SendStatus sendEnvelope(const std::string& moduleId, const v1::Envelope& envelope) override;
  SendStatus sendEvents(const std::string& moduleId, v1::Lane lane,
                        std::span<const ipc::OutgoingEvent> events) override;
  bool receive(ReceivedMessage& out) override;  // never: each ROUTER has its own reader

  // A message read from the remote ROUTER: the rules above, then `server.handle`.
  void route(ReceivedMessage& message, ModuleServer& server, ModuleRegistry& registry);

  // The routing id of the module's bound connection; "" when none.
  std::string routingIdOf(const std::string& moduleId) const;

 private:
  struct Binding {
    std::string routingId;
    std::string address;
  };
  bool isRemote(const std::string& moduleId) const;
  void refuse(const std::string& routingId, const std::string& moduleId, v1::ErrorCode code,
              const std::string& why);

  ModuleTransport& m_local;
  ModuleTransport* m_remote;
  std::unordered_set<std::string> m_remoteIds;
  std::unordered_map<std::string, Binding> m_bindings;
  v1::Envelope m_scratch;
  RateLimitedLog m_warnings;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
