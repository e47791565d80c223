#pragma once

// The probe's event-lane deliveries as a module handled them, per process run, from its report
// with --report-offsets: each "event E <seq> <dropped_before> <Type> ..." line joined with the
// "offset E <seq> <offset>[ flags=<bits>]" line after it. Each "connected" line starts a run (a
// restarted node numbers incarnations from 1 again, so the runs, not the incarnations, tell
// processes apart). A line cut short by a killed process is left out.

#include <plexus/v1/wire.pb.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace plexus::test {

// HandledEvent::flags bits.
inline constexpr std::uint32_t kReplayed = v1::EVENT_FLAG_REPLAYED;
inline constexpr std::uint32_t kRedelivered = v1::EVENT_FLAG_REDELIVERED;

struct HandledEvent {
  std::uint64_t seq = 0;
  std::uint64_t droppedBefore = 0;
  std::string type;
  std::uint64_t offset = 0;
  std::uint32_t flags = 0;  // v1::EventFlag bits
};
using HandledRun = std::vector<HandledEvent>;

std::vector<HandledRun> handledRuns(const std::filesystem::path& report);
// How many event-lane offsets the report holds (all runs): a cheap count for waiting.
std::size_t handledOffsets(const std::filesystem::path& report);

}  // namespace plexus::test
