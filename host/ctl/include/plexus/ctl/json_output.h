#pragma once

// Machine-readable output: the protobuf JSON mapping with proto field names and every field
// present (zeros too), 64-bit integers as strings and enums by name, on one line. Scripts
// parse it, so the options are fixed here and nowhere else.

#include <google/protobuf/message.h>
#include <plexus/v1/events.pb.h>
#include <plexus/v1/wire.pb.h>

#include <string>

#include "plexus/ipc/result.h"

namespace plexus::ctl {

Result<std::string> toJson(const google::protobuf::Message& message);

// One line of `plexusctl tail`: {"seq":3,"dropped_before":0,"event":{...}}.
Result<std::string> tailLine(const v1::EventMeta& meta, const v1::Event& event, bool lifecycle);

}  // namespace plexus::ctl
