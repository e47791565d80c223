#pragma once

// Human output of each command: short sentences for actions, aligned tables for listings.
// Machine output is json_output.h; this text may change between versions, that one not.

#include <google/protobuf/descriptor.h>
#include <plexus/v1/control.pb.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "plexus/ctl/command.h"

namespace plexus::ctl {

// 850 -> "850ms", 42000 -> "42s", 184000 -> "3m04s", 7380000 -> "2h03m", 93600000 -> "1d02h".
std::string formatDuration(std::uint64_t ms);

// MODULE_STATE_READY -> "ready" (the value name without `prefix`, lower case); "-" for 0.
std::string shortEnumName(const google::protobuf::EnumDescriptor* type, int value,
                          std::string_view prefix);

std::string formatStatus(const v1::StatusResponse& status);
std::string formatModules(const v1::ModulesResponse& modules);
std::string formatStats(const v1::StatsResponse& stats, bool reset);
std::string formatSubscribers(const v1::SubscribersResponse& subscribers);
// "published N event(s) of TYPE: delivered to M module(s); accepted A, dropped D, failed F,
// timed out T" (M: the most modules one event was taken by), and when a block-policy subscriber
// did not take the last event, a line naming each one with why.
std::string formatPublished(const v1::OperatorPublishResponse& published, v1::EventType type);

// One line per aspect, "key  value": directory, sync, types, offsets, events, writes, state,
// and "crash hole  FIRST..LAST" only when the previous run left one; a node that journals
// nothing is one line, "journal: disabled (no type is journaled)".
std::string formatJournal(const v1::JournalResponse& journal);

// A table of the durable modules' cursors: MODULE, CURSOR, DELIVERED, LAG-EVENTS, LAG-TIME
// (how long the cursor has not moved while behind; "-" when it is not behind); without any,
// "no cursors (journal at offset N)". After a delete: "cursor of module M deleted".
std::string formatCursors(const v1::CursorsResponse& cursors);

// The human output of `response`, a successful answer to `command` (not tail); ends with '\n'.
std::string formatResponse(const Command& command, const v1::ControlResponse& response);

}  // namespace plexus::ctl
