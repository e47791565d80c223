#include "supervision/module_info.h"

#include <chrono>

#include "plexus/ipc/protocol.h"

namespace plexus::host {

const char* stateName(v1::ModuleState state) {
  switch (state) {
    case v1::MODULE_STATE_STARTING:
      return "starting";
    case v1::MODULE_STATE_HANDSHAKING:
      return "handshaking";
    case v1::MODULE_STATE_READY:
      return "ready";
    case v1::MODULE_STATE_STOPPING:
      return "stopping";
    case v1::MODULE_STATE_STOPPED:
      return "stopped";
    case v1::MODULE_STATE_CRASHED:
      return "crashed";
    case v1::MODULE_STATE_FAILED:
      return "failed";
    case v1::MODULE_STATE_DISCONNECTED:
      return "disconnected";
    case v1::MODULE_STATE_UNLOADED:
      return "unloaded";
    default:
      return "unknown";
  }
}

v1::ModuleInfo moduleInfoOf(const ModuleRecord& record, ModuleRecord::Clock::time_point now) {
  v1::ModuleInfo info;
  info.set_module_id(record.id());
  info.set_name(record.name.empty() ? record.id() : record.name);
  info.set_version(record.version);
  info.set_state(record.state);
  info.set_pid(record.pid);
  info.set_restarts(record.restarts);
  if (record.readyAt) {
    info.set_uptime_ms(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now - *record.readyAt).count()));
  }
  info.set_last_exit(record.lastExit);
  info.set_capacity(record.config.channel_capacity());
  info.set_policy(record.config.policy());
  info.set_restart(record.config.restart());
  info.set_health(record.health);
  info.set_health_reason(record.healthReason);
  info.set_incarnation(record.incarnation);
  info.set_exec(record.config.exec());
  if (isConnectedState(record.state)) info.set_peer_address(record.peerAddress);
  return info;
}

ModuleAttachment attachmentOf(const ModuleRecord& record, std::uint32_t negotiatedMinor) {
  ModuleAttachment attachment;
  attachment.moduleId = record.id();
  attachment.name = record.name;
  attachment.version = record.version;
  attachment.incarnation = record.incarnation;
  attachment.pid = record.pid;
  attachment.capacity = record.config.channel_capacity();
  if (negotiatedMinor >= ipc::kMinorLanes) {
    attachment.criticalCapacity = record.config.critical_capacity();
  }
  attachment.offsets = negotiatedMinor >= ipc::kMinorOffsets;
  attachment.replay = negotiatedMinor >= ipc::kMinorReplay;
  attachment.durable = record.config.durable();
  attachment.start =
      record.config.start() == v1::DURABLE_START_ALL      ? ModuleAttachment::DurableStart::All
      : record.config.start() == v1::DURABLE_START_OFFSET ? ModuleAttachment::DurableStart::Offset
                                                          : ModuleAttachment::DurableStart::New;
  attachment.startOffset = record.config.start_offset();
  attachment.policy = record.config.policy() == v1::DELIVERY_POLICY_BLOCK ? DeliveryPolicy::Block
                                                                          : DeliveryPolicy::Drop;
  if (record.config.capabilities().subscribe_size() > 0) {
    attachment.subscribeAllowed.reset();
    for (int type : record.config.capabilities().subscribe()) {
      attachment.subscribeAllowed.set(static_cast<std::size_t>(type));
    }
  }
  attachment.configFilters = record.configFilters;
  return attachment;
}

HandshakeGrant grantOf(const ModuleRecord& record, const v1::Timings& timings) {
  HandshakeGrant grant;
  grant.capacity = record.config.channel_capacity();
  grant.criticalCapacity = record.config.critical_capacity();
  grant.incarnation = record.incarnation;
  grant.heartbeatIntervalMs = static_cast<std::uint32_t>(timings.heartbeat_interval_ms());
  grant.settings.insert(record.config.settings().begin(), record.config.settings().end());
  return grant;
}

}  // namespace plexus::host
