#pragma once

// Reading a publish answer (PublishResponse, OperatorPublishResponse): the block-policy
// subscribers that did not take the event, as text. Shared by the node (error messages) and
// plexusctl.

#include <plexus/v1/wire.pb.h>

#include <string>

namespace plexus::ipc {

// "stopping", "gone", "restarting", "timed out", "full".
std::string missReasonText(v1::MissReason reason);

// "slow (timed out), archive (stopping)".
std::string describeMissed(const google::protobuf::RepeatedPtrField<v1::MissedSubscriber>& missed);

}  // namespace plexus::ipc
