// Supervisor: remote modules (docs/design.md "Remote modules"). The node never spawns them: a
// remote module is disconnected until its connection handshakes (a new incarnation each time),
// ready on its first Subscribe, and detached when its connection is lost (silent beyond the
// liveness times, or unreachable: lost counted, ModuleCrashed, disconnected again: never
// restarted, it is not ours to spawn) or when it says Goodbye (ModuleUnloaded, disconnected).
// Unload sends the host's Goodbye, detaches it and leaves it unloaded: its handshakes are
// refused until load re-admits it (disconnected). Node shutdown sends it NodeShutdown, then the
// host's Goodbye, and detaches it (ModuleUnloaded, disconnected): the SDK takes a Goodbye that
// follows NodeShutdown as "the node is stopping" and reconnects (the node may be restarting).

#include <utility>

#include "config/remote_config.h"
#include "delivery/event_factory.h"
#include "plexus/ipc/envelope_codec.h"
#include "runtime/logging.h"
#include "supervision/exit_report.h"
#include "supervision/module_info.h"
#include "supervision/supervisor.h"

namespace plexus::host {

Result<HandshakeGrant> Supervisor::remoteHandshake(ModuleRecord& record,
                                                   const v1::Handshake& handshake,
                                                   std::uint32_t negotiatedMinor) {
  if (m_shuttingDown) {
    return makeError(v1::ERROR_CODE_UNAVAILABLE, "the node is shutting down");
  }
  if (record.state == v1::MODULE_STATE_UNLOADED) {
    return makeError(v1::ERROR_CODE_UNAVAILABLE, "module '" + record.id() +
                                                     "' is unloaded: `plexusctl load " +
                                                     record.id() + "` admits it again");
  }
  if (handshake.module_id() != record.id()) {  // remote_peers.cpp refuses it first
    return makeError(v1::ERROR_CODE_PERMISSION_DENIED,
                     "handshake names module '" + handshake.module_id() +
                         "' but the key is module '" + record.id() + "''s");
  }
  // Connected already: RemotePeers lets a Handshake through only from the bound routing id,
  // and the ROUTER has no handover, so this is a new connection that took the id after the
  // old one closed (the SDKs use the module id as routing id), not yet found dead: lost now.
  if (isConnectedState(record.state)) loseRemote(record, "replaced by a new connection");
  ++record.incarnation;
  record.name = handshake.name().empty() ? record.id() : handshake.name();
  record.version = handshake.version();
  record.state = v1::MODULE_STATE_HANDSHAKING;
  record.startedAt = record.lastTraffic = m_deps.timers.now();
  record.health = v1::HEALTH_HEALTHY;
  record.healthReason.clear();
  record.killReason.clear();
  m_deps.events.attach(attachmentOf(record, negotiatedMinor));
  logger("supervisor")
      ->info("remote module '{}' connected from {} (incarnation {})", record.id(),
             record.peerAddress, record.incarnation);
  return grantOf(record, m_config.timings());
}

void Supervisor::onRemotePeer(const std::string& moduleId, const std::string& address) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (ModuleRecord* record = find(moduleId)) record->peerAddress = address;
}

void Supervisor::loseRemote(ModuleRecord& record, std::string reason) {
  if (!isConnectedState(record.state)) return;
  m_deps.events.detach(record.id());  // what it held counts as lost
  record.state = v1::MODULE_STATE_DISCONNECTED;
  record.readyAt.reset();
  record.lastExit = "connection lost: " + reason;
  record.killReason.clear();
  logger("supervisor")
      ->warn("remote module '{}' lost ({}, incarnation {}): disconnected", record.id(), reason,
             record.incarnation);
  v1::Event event = moduleCrashedEvent(record.id(), ProcessExit{}, "connection lost: " + reason,
                                       std::nullopt, record.incarnation);
  m_deps.events.publish(event.type(), serializeEvent(event));
  settleWaiters(record);
}

void Supervisor::endRemote(ModuleRecord& record, const std::string& reason, v1::ModuleState next) {
  const bool connected = isConnectedState(record.state);
  record.state = next;
  if (!connected) return;
  m_deps.events.detach(record.id());
  record.readyAt.reset();
  record.lastExit = reason;
  record.killReason.clear();
  logger("supervisor")
      ->info("remote module '{}' {}: {} (incarnation {})", record.id(), stateName(next), reason,
             record.incarnation);
  v1::Event event = moduleUnloadedEvent(record.id(), reason, record.incarnation);
  m_deps.events.publish(event.type(), serializeEvent(event));
}

void Supervisor::sayGoodbyeToRemote(ModuleRecord& record, const std::string& reason) {
  if (!isConnectedState(record.state)) return;
  v1::Envelope goodbye;
  ipc::stampVersion(goodbye);
  goodbye.mutable_goodbye()->set_reason(reason);
  m_deps.send(record.id(), goodbye);
}

void Supervisor::unloadRemote(ModuleRecord& record, const ModuleCallback& done) {
  sayGoodbyeToRemote(record, "unloaded by operator");
  endRemote(record, "unloaded by operator", v1::MODULE_STATE_UNLOADED);
  done(infoOf(record));
}

void Supervisor::shutdownRemote() {
  bool flushed = false;
  for (auto& record : m_records) {
    if (!isRemoteModule(record->config) || !isConnectedState(record->state)) continue;
    // NodeShutdown (queued to every module before this) goes out first: detaching drops what
    // the module's channel still holds.
    if (!std::exchange(flushed, true)) m_deps.events.flush();
    sayGoodbyeToRemote(*record, "node shutdown");
    endRemote(*record, "node shutdown", v1::MODULE_STATE_DISCONNECTED);
  }
}

void Supervisor::loadRemote(ModuleRecord& record, const ModuleCallback& done) {
  if (record.state == v1::MODULE_STATE_UNLOADED) {
    record.state = v1::MODULE_STATE_DISCONNECTED;
    logger("supervisor")->info("remote module '{}' admitted again", record.id());
  }
  done(infoOf(record));
}

}  // namespace plexus::host
