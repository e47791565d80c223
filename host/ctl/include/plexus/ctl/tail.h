#pragma once

// `plexusctl tail`: subscribes to the node's live event stream and prints each event as one
// JSON line, returning credit (TailAck) after each batch so the node keeps sending. A quiet
// node is not an error; only an error reply or an unreachable node ends the tail early.

#include <atomic>
#include <chrono>
#include <ostream>

#include "plexus/ctl/command.h"
#include "plexus/ctl/connection.h"

namespace plexus::ctl {

// How often the loop looks at `stop` while the node is quiet.
inline constexpr std::chrono::milliseconds kTailPollInterval{200};

// Runs until `command.count` events were printed, `stop` becomes true, stdout fails, or the
// node answers with an error. Checks first, within `timeout`, that the node answers at all.
ExitCode runTail(ControlConnection& connection, const TailCommand& command,
                 std::chrono::milliseconds timeout, const std::atomic<bool>& stop,
                 std::ostream& out, std::ostream& err);

}  // namespace plexus::ctl
