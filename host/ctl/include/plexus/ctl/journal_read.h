#pragma once

// `plexusctl journal read`: the journaled events from an offset (--from) or a time (--since),
// printed as JSON lines in journal order - one per event, one per hole among them, and first a
// {"trimmed_before":"N"} line when retention removed events the read asked for. plexusctl pages
// by itself: each request asks for at most 10000 events and the next one continues from the
// answer's next_offset, up to the journal's head at the first answer, until --count events were
// printed (all of them with --count 0) or the node says there is no more.

#include <plexus/v1/control.pb.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

#include "plexus/ctl/command.h"
#include "plexus/ctl/connection.h"
#include "plexus/ipc/result.h"

namespace plexus::ctl {

// The first request of `command` (a duration ago counts back from `nowMs`, ms since the epoch).
v1::ControlRequest journalReadRequest(const JournalReadCommand& command, std::int64_t nowMs);

// One output line (no newline) for `entry`: {"offset":"7","time":"2026-12-04T10:00:00.250Z",
// "type":"NewBlock","event":{... as tail prints it}} or {"hole":{"first":"5","last":"6",
// "reason":"crash"}}.
Result<std::string> journalEntryLine(const v1::JournalEntry& entry);

// Nanoseconds since the epoch as RFC 3339 UTC with milliseconds ("2026-12-04T10:00:00.250Z").
std::string rfc3339Ms(std::int64_t unixNs);

ExitCode runJournalRead(ControlConnection& connection, const JournalReadCommand& command,
                        std::chrono::milliseconds timeout, const std::atomic<bool>& stop,
                        std::ostream& out, std::ostream& err, std::int64_t nowMs);

}  // namespace plexus::ctl
