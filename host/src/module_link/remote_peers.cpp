#include "module_link/remote_peers.h"

#include "plexus/ipc/envelope_codec.h"
#include "runtime/logging.h"

namespace plexus::host {

RemotePeers::RemotePeers(ModuleTransport& local, ModuleTransport* remote,
                         std::unordered_set<std::string> remoteIds)
    : m_local(local),
      m_remote(remote),
      m_remoteIds(remote != nullptr ? std::move(remoteIds) : std::unordered_set<std::string>{}),
      m_warnings(logger("modules"), std::chrono::seconds(5)) {}

bool RemotePeers::isRemote(const std::string& moduleId) const {
  return m_remoteIds.count(moduleId) != 0;
}

std::string RemotePeers::routingIdOf(const std::string& moduleId) const {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto it = m_bindings.find(moduleId);
  return it == m_bindings.end() ? std::string() : it->second.routingId;
}

SendStatus RemotePeers::sendEnvelope(const std::string& moduleId, const v1::Envelope& envelope) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (!isRemote(moduleId)) return m_local.sendEnvelope(moduleId, envelope);
  auto it = m_bindings.find(moduleId);
  if (it == m_bindings.end()) return SendStatus::Unreachable;
  return m_remote->sendEnvelope(it->second.routingId, envelope);
}

SendStatus RemotePeers::sendEvents(const std::string& moduleId, v1::Lane lane,
                                   std::span<const ipc::OutgoingEvent> events) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (!isRemote(moduleId)) return m_local.sendEvents(moduleId, lane, events);
  auto it = m_bindings.find(moduleId);
  if (it == m_bindings.end()) return SendStatus::Unreachable;
  return m_remote->sendEvents(it->second.routingId, lane, events);
}

bool RemotePeers::receive(ReceivedMessage& out) {
  (void)out;
  return false;
}

void RemotePeers::refuse(const std::string& routingId, const std::string& moduleId,
                         v1::ErrorCode code, const std::string& why) {
  m_warnings.warn("remote/" + moduleId + "/" + std::to_string(code),
                  [&] { return "remote module '" + moduleId + "': handshake refused: " + why; });
  (void)m_remote->sendEnvelope(routingId, ipc::errorEnvelope(code, why));
}

void RemotePeers::route(ReceivedMessage& message, ModuleServer& server, ModuleRegistry& registry) {
  PLEXUS_ASSERT_THREAD(m_thread);
  const std::string& moduleId = message.userId;
  if (!isRemote(moduleId)) {  // ZAP only admits remote modules' keys: not ours
    m_warnings.warn("remote/user-id/" + moduleId, [&] {
      return "dropped a message on the remote endpoint authenticated as '" + moduleId + "'";
    });
    return;
  }
  auto bound = m_bindings.find(moduleId);
  if (bound != m_bindings.end() && bound->second.routingId == message.routingId) {
    server.handle(moduleId, moduleId, message.frames);  // decoded once, there
    return;
  }
  // Another connection: only a Handshake may bind it (decoded here to see which).
  const bool handshake = message.frames.size() == 1 &&
                         ipc::decodeEnvelope(message.frames[0], m_scratch) &&
                         m_scratch.has_handshake();
  if (!handshake) {
    logger("modules")->debug(
        "remote module '{}': ignored a message of a connection that is not its current one",
        moduleId);
    return;
  }
  if (m_scratch.handshake().module_id() != moduleId) {
    refuse(message.routingId, moduleId, v1::ERROR_CODE_PERMISSION_DENIED,
           "the key of module '" + moduleId + "' may not act as module '" +
               m_scratch.handshake().module_id() + "'");
    return;
  }
  if (bound != m_bindings.end() && registry.isHandshaken(moduleId)) {
    refuse(message.routingId, moduleId, v1::ERROR_CODE_UNAVAILABLE,
           "module '" + moduleId + "' is connected from " + bound->second.address);
    return;
  }
  m_bindings[moduleId] = Binding{message.routingId, message.peerAddress};
  registry.onRemotePeer(moduleId, message.peerAddress);
  server.handle(moduleId, moduleId, message.frames);
}

}  // namespace plexus::host
