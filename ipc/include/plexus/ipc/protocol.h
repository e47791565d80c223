#pragma once

// Protocol constants and identifier rules shared by the host, the SDK and plexusctl.

#include <cstdint>
#include <string>
#include <string_view>

namespace plexus::ipc {

inline constexpr std::uint32_t kProtocolMajor = 1;
inline constexpr std::uint32_t kProtocolMinor = 6;

// What each minor added (docs/design.md, "Protocol versions"); 1.1: ipc::kMinorPublishAnswer.
// 1.2: content filters in Subscribe, and the refused types in SubscribeAck.
inline constexpr std::uint32_t kMinorFilters = 2;
// 1.3: the priority lane: events of critical priority on LANE_CRITICAL, acks naming their lane
// (Ack.lane), per-lane delivery statistics (DeliveryStats.lanes). Below, a module gets critical
// events on its event lane and acks only that lane.
inline constexpr std::uint32_t kMinorLanes = 3;
// 1.4: journal offsets: EventMeta.offset (the event's journal offset, absent when it is not
// journaled) and EventMeta.flags (v1::EventFlag, set by later work). Below, a module is sent
// neither.
inline constexpr std::uint32_t kMinorOffsets = 4;
// 1.5: replay on request: Request.replay (ReplayRequest) and Response.replay, LANE_REPLAY events
// and acks, Envelope.replay_end, HandshakeAck.replay_capacity. Below, a module is sent none of
// them (it cannot ask).
inline constexpr std::uint32_t kMinorReplay = 5;
// 1.6: the operator publish answer says which event was not published at all
// (OperatorPublishResponse.unpublished: the journal made no room for it in time). Below, that
// answer is Error{TIMEOUT}: an older client would count the event as published. And the status
// answer's StatusResponse.relayed_duplicates. Modules are served as at 1.5.
inline constexpr std::uint32_t kMinorUnpublished = 6;

// ZAP domains: the module ROUTER authenticates with PLAIN (module id + one-time token), the
// control ROUTER with NULL restricted to the host's uid.
inline constexpr const char* kModuleZapDomain = "plexus-modules";
inline constexpr const char* kControlZapDomain = "plexus-control";
// The remote modules' CURVE ROUTER (docs/design.md "Remote modules").
inline constexpr const char* kRemoteZapDomain = "plexus-remote";

// Spawn contract.
inline constexpr const char* kEnvModuleId = "PLEXUS_MODULE_ID";
inline constexpr const char* kEnvEndpoint = "PLEXUS_ENDPOINT";

inline constexpr const char* kHostSource = "host";
inline constexpr const char* kOperatorSource = "operator";

inline constexpr std::uint32_t kDefaultChannelCapacity = 100;
inline constexpr std::uint32_t kDefaultCriticalCapacity = 10;
inline constexpr std::uint64_t kDefaultMaxMessageBytes = 4u << 20;

// "1.0"
std::string protocolVersionString();

// Module ids match [a-z0-9][a-z0-9_-]{0,63}; "host" and "operator" are reserved.
// Returns an empty string when valid, else why not.
std::string validateModuleId(std::string_view id);

}  // namespace plexus::ipc
