#pragma once

// Reading a publish answer (PublishResponse, OperatorPublishResponse): the block-policy
// subscribers that did not take the event, as text. Shared by the node (error messages) and
// plexusctl.

#include <plexus/v1/wire.pb.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace plexus::ipc {

// The protocol minor that added the full publish answer (docs/design.md, "Protocol versions"):
// since 1.1 it counts every outcome (accepted, failed, timed_out) and names the block-policy
// subscribers that missed the event, also inside the Error that refuses it. A peer that
// negotiated an earlier minor gets subscribers and dropped only.
inline constexpr std::uint32_t kMinorPublishAnswer = 1;

// "stopping", "gone", "restarting", "timed out", "full".
std::string missReasonText(v1::MissReason reason);

// A publish answer as a peer that negotiated `minor` knows it: fields added after that minor
// are cleared (before 1.1 only subscribers and dropped).
void fitToMinor(v1::PublishResponse& answer, std::uint32_t minor);

// "slow (timed out), archive (stopping)".
std::string describeMissed(const google::protobuf::RepeatedPtrField<v1::MissedSubscriber>& missed);

// An event the node published nothing of (the journal made no room for it in time; a module's
// Error{TIMEOUT} without answer, OperatorPublishResponse.unpublished since 1.6): "<subject> was
// not published: the journal made no room for it within 50 ms (durable subscriber(s):
// d (timed out)); nothing was journaled or routed, publish it again". `blockTimeoutMs` 0:
// "within the block timeout" (plexusctl does not know it).
std::string describeUnpublished(
    std::string_view subject,
    const google::protobuf::RepeatedPtrField<v1::MissedSubscriber>& missed,
    std::uint64_t blockTimeoutMs = 0);

}  // namespace plexus::ipc
