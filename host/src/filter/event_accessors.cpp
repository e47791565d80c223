#include "filter/event_accessors.h"

#include <plexus/v1/events.pb.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>

namespace plexus::filter {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

using Table = std::unordered_map<const FieldDescriptor*, FastRead>;

// The reads of one generated accessor, converted to its domain. Only the one matching the
// accessor's type is instantiated.
template <class M, auto kGet>
struct Accessor {
  static decltype(auto) raw(const Message& message) {
    return (static_cast<const M&>(message).*kGet)();
  }
  using Raw = std::remove_cvref_t<decltype(raw(std::declval<const Message&>()))>;

  static std::int64_t int64(const Message& message) {
    return static_cast<std::int64_t>(raw(message));
  }
  static std::uint64_t uint64(const Message& message) {
    return static_cast<std::uint64_t>(raw(message));
  }
  static double real(const Message& message) { return static_cast<double>(raw(message)); }
  static bool boolean(const Message& message) { return raw(message); }
  static const std::string& string(const Message& message) { return raw(message); }
  static const Message& message(const Message& message) { return raw(message); }
};

template <class M, auto kGet>
void add(Table& table, const char* name) {
  using A = Accessor<M, kGet>;
  using Raw = typename A::Raw;
  FastRead read;
  if constexpr (std::is_same_v<Raw, bool>) {
    read.boolean = &A::boolean;
  } else if constexpr (std::is_floating_point_v<Raw>) {
    read.real = &A::real;
  } else if constexpr (std::is_enum_v<Raw> || std::is_signed_v<Raw>) {
    read.int64 = &A::int64;  // int32, int64, enum
  } else if constexpr (std::is_unsigned_v<Raw>) {
    read.uint64 = &A::uint64;
  } else if constexpr (std::is_same_v<Raw, std::string>) {
    read.string = &A::string;
  } else {
    static_assert(std::is_base_of_v<Message, Raw>);
    read.message = &A::message;
  }
  table.emplace(M::descriptor()->FindFieldByName(name), read);
}

#define PLEXUS_FAST(Type, field) add<v1::Type, &v1::Type::field>(table, #field)

Table buildTable() {
  Table table;
  // Event: `source` (the only field of the event itself a filter reads) and the payloads.
  PLEXUS_FAST(Event, source);
  PLEXUS_FAST(Event, new_block);
  PLEXUS_FAST(Event, new_transaction);
  PLEXUS_FAST(Event, block_disconnected);
  PLEXUS_FAST(Event, chain_reorg);
  PLEXUS_FAST(Event, governance_proposal_created);
  PLEXUS_FAST(Event, governance_proposal_voted);
  PLEXUS_FAST(Event, governance_proposal_merged);
  PLEXUS_FAST(Event, governance_fork_detected);
  PLEXUS_FAST(Event, peer_connected);
  PLEXUS_FAST(Event, peer_disconnected);
  PLEXUS_FAST(Event, peer_banned);
  PLEXUS_FAST(Event, message_received);
  PLEXUS_FAST(Event, broadcast_started);
  PLEXUS_FAST(Event, broadcast_completed);
  PLEXUS_FAST(Event, module_loaded);
  PLEXUS_FAST(Event, module_unloaded);
  PLEXUS_FAST(Event, module_crashed);
  PLEXUS_FAST(Event, module_health_changed);
  PLEXUS_FAST(Event, node_startup);
  PLEXUS_FAST(Event, node_shutdown);
  PLEXUS_FAST(Event, node_shutdown_completed);
  PLEXUS_FAST(Event, data_maintenance);
  PLEXUS_FAST(Event, maintenance_started);
  PLEXUS_FAST(Event, maintenance_completed);
  PLEXUS_FAST(Event, health_check);
  PLEXUS_FAST(Event, disk_space_low);
  PLEXUS_FAST(Event, resource_limit_warning);
  PLEXUS_FAST(NewBlock, hash);
  PLEXUS_FAST(NewBlock, height);
  PLEXUS_FAST(NewBlock, time_unix_s);
  PLEXUS_FAST(NewTransaction, txid);
  PLEXUS_FAST(NewTransaction, size);
  PLEXUS_FAST(NewTransaction, fee);
  PLEXUS_FAST(BlockDisconnected, hash);
  PLEXUS_FAST(BlockDisconnected, height);
  PLEXUS_FAST(ChainReorg, old_tip);
  PLEXUS_FAST(ChainReorg, new_tip);
  PLEXUS_FAST(ChainReorg, fork_height);
  PLEXUS_FAST(ChainReorg, depth);
  PLEXUS_FAST(GovernanceProposalCreated, proposal_id);
  PLEXUS_FAST(GovernanceProposalCreated, title);
  PLEXUS_FAST(GovernanceProposalCreated, author);
  PLEXUS_FAST(GovernanceProposalVoted, proposal_id);
  PLEXUS_FAST(GovernanceProposalVoted, voter);
  PLEXUS_FAST(GovernanceProposalVoted, approve);
  PLEXUS_FAST(GovernanceProposalMerged, proposal_id);
  PLEXUS_FAST(GovernanceProposalMerged, commit);
  PLEXUS_FAST(GovernanceForkDetected, fork_id);
  PLEXUS_FAST(GovernanceForkDetected, height);
  PLEXUS_FAST(GovernanceForkDetected, description);
  PLEXUS_FAST(PeerConnected, peer_id);
  PLEXUS_FAST(PeerConnected, address);
  PLEXUS_FAST(PeerDisconnected, peer_id);
  PLEXUS_FAST(PeerDisconnected, reason);
  PLEXUS_FAST(PeerBanned, peer_id);
  PLEXUS_FAST(PeerBanned, reason);
  PLEXUS_FAST(PeerBanned, until_unix_s);
  PLEXUS_FAST(MessageReceived, peer_id);
  PLEXUS_FAST(MessageReceived, command);
  PLEXUS_FAST(MessageReceived, payload);
  PLEXUS_FAST(BroadcastStarted, broadcast_id);
  PLEXUS_FAST(BroadcastStarted, kind);
  PLEXUS_FAST(BroadcastCompleted, broadcast_id);
  PLEXUS_FAST(BroadcastCompleted, peers_reached);
  PLEXUS_FAST(ModuleLoaded, module_id);
  PLEXUS_FAST(ModuleLoaded, name);
  PLEXUS_FAST(ModuleLoaded, version);
  PLEXUS_FAST(ModuleLoaded, incarnation);
  PLEXUS_FAST(ModuleLoaded, pid);
  PLEXUS_FAST(ModuleUnloaded, module_id);
  PLEXUS_FAST(ModuleUnloaded, reason);
  PLEXUS_FAST(ModuleUnloaded, incarnation);
  PLEXUS_FAST(ModuleCrashed, module_id);
  PLEXUS_FAST(ModuleCrashed, exit_code);
  PLEXUS_FAST(ModuleCrashed, signal);
  PLEXUS_FAST(ModuleCrashed, reason);
  PLEXUS_FAST(ModuleCrashed, restart_scheduled);
  PLEXUS_FAST(ModuleCrashed, restart_in_ms);
  PLEXUS_FAST(ModuleCrashed, incarnation);
  PLEXUS_FAST(ModuleHealthChanged, module_id);
  PLEXUS_FAST(ModuleHealthChanged, health);
  PLEXUS_FAST(ModuleHealthChanged, reason);
  PLEXUS_FAST(NodeStartup, version);
  PLEXUS_FAST(NodeStartup, protocol_version);
  PLEXUS_FAST(NodeShutdown, reason);
  PLEXUS_FAST(NodeShutdown, deadline_unix_ms);
  PLEXUS_FAST(NodeShutdown, grace_ms);
  PLEXUS_FAST(NodeShutdownCompleted, modules_stopped);
  PLEXUS_FAST(DataMaintenance, operation);
  PLEXUS_FAST(DataMaintenance, urgency);
  PLEXUS_FAST(DataMaintenance, reason);
  PLEXUS_FAST(DataMaintenance, timeout_ms);
  PLEXUS_FAST(DataMaintenance, maintenance_id);
  PLEXUS_FAST(MaintenanceStarted, maintenance_id);
  PLEXUS_FAST(MaintenanceStarted, operation);
  PLEXUS_FAST(MaintenanceCompleted, maintenance_id);
  PLEXUS_FAST(MaintenanceCompleted, operation);
  PLEXUS_FAST(MaintenanceCompleted, success);
  PLEXUS_FAST(MaintenanceCompleted, duration_ms);
  PLEXUS_FAST(HealthCheck, uptime_ms);
  PLEXUS_FAST(HealthCheck, modules_ready);
  PLEXUS_FAST(HealthCheck, modules_total);
  PLEXUS_FAST(DiskSpaceLow, path);
  PLEXUS_FAST(DiskSpaceLow, free_bytes);
  PLEXUS_FAST(DiskSpaceLow, threshold_bytes);
  PLEXUS_FAST(ResourceLimitWarning, module_id);
  PLEXUS_FAST(ResourceLimitWarning, resource);
  PLEXUS_FAST(ResourceLimitWarning, value);
  PLEXUS_FAST(ResourceLimitWarning, limit);
  return table;
}

#undef PLEXUS_FAST

}  // namespace

FastRead fastRead(const FieldDescriptor& field) {
  static const Table table = buildTable();
  auto it = table.find(&field);
  return it == table.end() ? FastRead{} : it->second;
}

}  // namespace plexus::filter
